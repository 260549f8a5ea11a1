// PartitionLog against real NATS servers with JetStream: one alone, and three clustered with a
// stream replicated on all three.
#include "broker/cluster/partition_log.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

using omni::testing::NatsServers;
using omni::testing::TempDir;

constexpr auto kTimeout = std::chrono::milliseconds(2000);

std::unique_ptr<JetStream> Connect(const NatsServers& servers) {
  auto js = JetStream::Connect({.servers = servers.Urls(), .timeout = kTimeout});
  EXPECT_TRUE(js.ok()) << js.status();
  return js.ok() ? *std::move(js) : nullptr;
}

std::unique_ptr<PartitionLog> OpenLog(JetStream& js, int partition, int replicas = 1) {
  auto log = PartitionLog::Open(js, partition, {.replicas = replicas});
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : nullptr;
}

class PartitionLogTest : public omni::testing::OneNatsServerTest {};

TEST_F(PartitionLogTest, AppendsInOrderAndReadsBack) {
  auto js = Connect(servers_);
  auto log = OpenLog(*js, 3);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->stream(), "OMNI_P3");
  auto empty = log->Bounds();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->first, 0u);
  EXPECT_EQ(empty->last, 0u);

  uint64_t last = 0;
  for (int i = 1; i <= 5; ++i) {
    auto sequence = log->Append(absl::StrCat("r", i), absl::StrCat("batch ", i), last);
    ASSERT_TRUE(sequence.ok()) << sequence.status();
    EXPECT_EQ(*sequence, last + 1);
    last = *sequence;
  }
  auto bounds = log->Bounds();
  ASSERT_TRUE(bounds.ok());
  EXPECT_EQ(bounds->first, 1u);
  EXPECT_EQ(bounds->last, 5u);
  for (uint64_t s = 1; s <= 5; ++s) {
    auto record = log->Read(s);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ(record->sequence, s);
    EXPECT_EQ(record->id, absl::StrCat("r", s));
    EXPECT_EQ(record->data, absl::StrCat("batch ", s));
  }
  EXPECT_TRUE(absl::IsNotFound(log->Read(6).status())) << log->Read(6).status();

  // Binary data passes whole.
  const std::string binary("\0\xff\n\x01 record", 12);
  auto sequence = log->Append("binary", binary, last);
  ASSERT_TRUE(sequence.ok()) << sequence.status();
  EXPECT_EQ(log->Read(*sequence)->data, binary);
}

TEST_F(PartitionLogTest, AWriterBehindTheLogIsFencedOff) {
  auto js = Connect(servers_);
  auto leader = OpenLog(*js, 0);
  ASSERT_NE(leader, nullptr);
  ASSERT_TRUE(leader->Append("a", "first", 0).ok());

  // A second writer (a new leader, on its own connection) appends after record 1...
  auto other_js = Connect(servers_);
  auto new_leader = OpenLog(*other_js, 0);
  ASSERT_TRUE(new_leader->Append("b", "from the new leader", 1).ok());
  // ... so the deposed one, which still believes the log ends at 1, is refused, and so is a
  // writer that believes it is empty.
  auto stale = leader->Append("c", "from the old leader", 1);
  EXPECT_TRUE(absl::IsFailedPrecondition(stale.status())) << stale.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(leader->Append("d", "as if empty", 0).status()));
  // Nothing it wrote reached the log.
  EXPECT_EQ(leader->Bounds()->last, 2u);
  EXPECT_EQ(leader->Read(2)->data, "from the new leader");
  // Once it has read the log's end, it may append after it.
  EXPECT_TRUE(leader->Append("e", "after reading", 2).ok());
}

TEST_F(PartitionLogTest, ARepeatedAppendIsAnsweredWithItsSequenceNotStoredTwice) {
  auto js = Connect(servers_);
  auto log = OpenLog(*js, 1);
  ASSERT_TRUE(log->Append("x", "one", 0).ok());
  auto first = log->Append("y", "two", 1);
  ASSERT_TRUE(first.ok());
  // The writer did not hear the answer (a timeout) and repeats the same append.
  auto again = log->Append("y", "two", 1);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(log->Bounds()->last, 2u);
}

TEST_F(PartitionLogTest, RecordsSurviveTheServerKilledAndRestarted) {
  {
    auto js = Connect(servers_);
    auto log = OpenLog(*js, 2);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(log->Append(absl::StrCat(i), absl::StrCat(i), i).ok());
  }
  servers_.Kill(0);
  servers_.Start(0);
  ASSERT_TRUE(servers_.WaitReady());
  auto js = Connect(servers_);
  auto log = OpenLog(*js, 2);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(log->Bounds()->last, 100u);
  EXPECT_EQ(log->Read(100)->data, "99");
  EXPECT_TRUE(log->Append("next", "next", 100).ok());
}

TEST_F(PartitionLogTest, TrimmingDropsOlderRecordsAndKeepsTheLast) {
  auto js = Connect(servers_);
  auto log = OpenLog(*js, 4);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->Append(absl::StrCat(i), "r", i).ok());
  ASSERT_TRUE(log->TrimBefore(8).ok());
  EXPECT_EQ(log->Bounds()->first, 8u);
  EXPECT_EQ(log->Bounds()->last, 10u);
  EXPECT_TRUE(absl::IsNotFound(log->Read(7).status()));
  EXPECT_TRUE(log->Read(8).ok());
  // Trimming past the last record is refused: the log's end must stay known.
  EXPECT_TRUE(absl::IsInvalidArgument(log->TrimBefore(11)));
  ASSERT_TRUE(log->TrimBefore(10).ok());
  EXPECT_EQ(log->Bounds()->first, 10u);
  // Appends go on after the trimmed log's end.
  EXPECT_TRUE(absl::IsFailedPrecondition(log->Append("z", "z", 0).status()));
  EXPECT_EQ(*log->Append("z", "z", 10), 11u);
}

TEST_F(PartitionLogTest, AStreamWithOtherSettingsIsRefusedNotChanged) {
  auto js = Connect(servers_);
  ASSERT_NE(OpenLog(*js, 5), nullptr);
  auto other = PartitionLog::Open(*js, 5, {.replicas = 3});
  EXPECT_TRUE(absl::IsFailedPrecondition(other.status())) << other.status();
  EXPECT_NE(other.status().message().find("OMNI_P5"), std::string::npos) << other.status();
}

TEST(JetStreamTest, NoServerIsUnavailable) {
  auto js = JetStream::Connect(
      {.servers = {absl::StrCat("nats://127.0.0.1:", omni::testing::FreePort())},
       .timeout = std::chrono::milliseconds(500)});
  EXPECT_TRUE(absl::IsUnavailable(js.status())) << js.status();
  EXPECT_TRUE(absl::IsInvalidArgument(JetStream::Connect({}).status()));
}

// Three servers, the log replicated on all three: an append is acknowledged once two hold it.
TEST(PartitionLogClusterTest, OneServerDownChangesNothingTwoStopAppendsUntilOneReturns) {
  TempDir dir;
  NatsServers servers(dir.path(), 3);
  ASSERT_TRUE(servers.WaitReady(std::chrono::seconds(60)));
  auto js = Connect(servers);
  std::unique_ptr<PartitionLog> log;
  // The stream's placement waits for the servers to know each other.
  ASSERT_TRUE(omni::testing::WaitFor(
      [&] {
        auto opened = PartitionLog::Open(*js, 7, {.replicas = 3});
        if (opened.ok()) log = *std::move(opened);
        return log != nullptr;
      },
      std::chrono::seconds(30)));
  uint64_t last = 0;
  auto append = [&](const std::string& id) -> absl::Status {
    auto sequence = log->Append(id, "payload " + id, last);
    if (sequence.ok()) last = *sequence;
    return sequence.status();
  };
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(append(absl::StrCat("a", i)).ok());

  // One of three down: the other two are a quorum. The stream may have to elect a leader first
  // (if the killed server led it), so an append is retried, with its id, until it goes through.
  servers.Kill(0);
  ASSERT_TRUE(omni::testing::WaitFor([&] { return append("b0").ok(); }, std::chrono::seconds(30)));
  for (int i = 1; i < 20; ++i) ASSERT_TRUE(append(absl::StrCat("b", i)).ok());
  EXPECT_EQ(last, 40u);

  // Two of three down: no quorum, nothing is acknowledged.
  servers.Kill(1);
  const absl::Status refused = append("c0");
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_EQ(last, 40u);

  // One returns: the quorum is back, the same append (same id) goes through, once.
  servers.Start(0);
  ASSERT_TRUE(omni::testing::WaitFor(
      [&] {
        auto sequence = log->Append("c0", "payload c0", 40);
        if (sequence.ok()) last = *sequence;
        return sequence.ok();
      },
      std::chrono::seconds(60)));
  EXPECT_EQ(last, 41u);
  auto bounds = log->Bounds();
  ASSERT_TRUE(bounds.ok()) << bounds.status();
  EXPECT_EQ(bounds->last, 41u);
  for (uint64_t s = 1; s <= 41; ++s) {
    auto record = log->Read(s);
    ASSERT_TRUE(record.ok()) << s << ": " << record.status();
    EXPECT_EQ(record->data, "payload " + record->id);
  }
  EXPECT_EQ(log->Read(41)->id, "c0");
}

}  // namespace
}  // namespace omni::cluster
