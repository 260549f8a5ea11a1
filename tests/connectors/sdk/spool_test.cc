// The spool on real files: records stay until acked and come back after a reopen, torn tails are
// cut, damaged records are skipped one by one (and counted) without losing those after them, a
// damaged length is never allocated, and the file empties once everything in it is acked.
#include "connectors/sdk/spool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <string>
#include <vector>

#include "connectors/sdk/spool_format.h"
#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

using omni::testing::TempDir;

std::unique_ptr<Spool> OpenOrDie(const std::filesystem::path& path, SpoolOptions options = {}) {
  auto spool = Spool::Open(path, options);
  EXPECT_TRUE(spool.ok()) << spool.status();
  return spool.ok() ? *std::move(spool) : nullptr;
}

void AppendAll(const std::filesystem::path& path, const std::vector<std::string>& records) {
  auto spool = OpenOrDie(path);
  for (const auto& r : records) ASSERT_OK(spool->Append(r));
}

// Reads every unread record, without acking.
std::vector<std::string> ReadAll(Spool& spool) {
  std::vector<std::string> out;
  while (true) {
    auto record = spool.ReadNext();
    EXPECT_TRUE(record.ok()) << record.status();
    if (!record.ok() || !record->has_value()) return out;
    out.push_back((*record)->bytes);
  }
}

// Where each record's frame starts in a spool holding exactly `records` (none acked).
std::vector<uint64_t> FrameStarts(const std::vector<std::string>& records) {
  std::vector<uint64_t> starts;
  uint64_t at = 0;
  for (const auto& r : records) {
    starts.push_back(at);
    at += spool_format::kHeaderBytes + r.size();
  }
  return starts;
}

void FlipByte(const std::filesystem::path& path, uint64_t at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  const char c = static_cast<char>(f.get());
  f.seekp(static_cast<std::streamoff>(at));
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(SpoolTest, AReadRecordStaysUntilItIsAcked) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  {
    auto spool = OpenOrDie(path);
    for (const char* r : {"one", "two", "three"}) ASSERT_OK(spool->Append(r));
    auto one = spool->ReadNext();
    ASSERT_TRUE(one.ok() && one->has_value());
    EXPECT_EQ((*one)->bytes, "one");
    ASSERT_OK(spool->Ack((*one)->position));
    auto two = spool->ReadNext();
    ASSERT_TRUE(two.ok() && two->has_value());
    EXPECT_EQ((*two)->bytes, "two");  // read, never acked: the broker may not have it
    EXPECT_EQ(spool->count(), 2u);
  }
  auto spool = OpenOrDie(path);
  EXPECT_EQ(spool->count(), 2u);
  EXPECT_EQ(ReadAll(*spool), (std::vector<std::string>{"two", "three"}));
}

TEST(SpoolTest, AcksInAnyOrderAndTheFileEmptiesOnceAllAreAcked) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  std::vector<uint64_t> positions;
  {
    auto spool = OpenOrDie(path);
    for (const char* r : {"a", "b", "c"}) ASSERT_OK(spool->Append(r));
    while (auto record = *spool->ReadNext()) positions.push_back(record->position);
    ASSERT_EQ(positions.size(), 3u);
    ASSERT_OK(spool->Ack(positions[2]));
    ASSERT_OK(spool->Ack(positions[0]));
    EXPECT_EQ(spool->count(), 1u);
    EXPECT_FALSE(spool->Ack(positions[1] + 1).ok()) << "no record starts there";
  }
  auto spool = OpenOrDie(path);
  EXPECT_EQ(spool->count(), 1u);
  auto b = spool->ReadNext();
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->bytes, "b");
  ASSERT_OK(spool->Ack((*b)->position));
  EXPECT_EQ(spool->count(), 0u);
  EXPECT_EQ(std::filesystem::file_size(path), 0u);

  // Busy for a while: still nothing left once all is acked.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK(spool->Append(std::string(100, 'x')));
    if (i % 3 == 2) {
      while (auto record = *spool->ReadNext()) ASSERT_OK(spool->Ack(record->position));
    }
  }
  while (auto record = *spool->ReadNext()) ASSERT_OK(spool->Ack(record->position));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(SpoolTest, ATornTailIsCutAndAppendsGoOnAfterIt) {
  const std::vector<std::string> records = {"complete", "cut short by a crash"};
  const uint64_t second = FrameStarts(records)[1];
  const uint64_t full = second + spool_format::kHeaderBytes + records[1].size();
  for (uint64_t cut : {full - 5, second + 7}) {  // inside the payload, inside the header
    SCOPED_TRACE(cut);
    TempDir dir;
    const auto path = dir.path() / "c.spool";
    AppendAll(path, records);
    std::filesystem::resize_file(path, cut);
    {
      auto spool = OpenOrDie(path);
      EXPECT_EQ(spool->count(), 1u);
      EXPECT_EQ(spool->damaged_records(), 0u) << "a torn tail is what a crash leaves, not damage";
      EXPECT_EQ(std::filesystem::file_size(path), second);
      ASSERT_OK(spool->Append("after the crash"));
    }
    auto spool = OpenOrDie(path);
    EXPECT_EQ(ReadAll(*spool), (std::vector<std::string>{"complete", "after the crash"}));
  }
}

// Damage anywhere in a middle record's frame costs that record only.
TEST(SpoolTest, ADamagedMiddleRecordIsSkippedAndCounted) {
  const std::vector<std::string> records = {"first", "second", "the damaged one", "fourth",
                                            "fifth"};
  const uint64_t damaged = FrameStarts(records)[2];
  struct Case {
    const char* what;
    uint64_t offset;  // in the damaged frame
  };
  for (const Case& c :
       {Case{"magic", 0}, Case{"version", 3}, Case{"kind", 4}, Case{"length", 9},
        Case{"payload checksum", 13}, Case{"header checksum", 17}, Case{"payload", 22}}) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    const auto path = dir.path() / "c.spool";
    AppendAll(path, records);
    FlipByte(path, damaged + c.offset);
    auto spool = OpenOrDie(path);
    EXPECT_EQ(spool->damaged_records(), 1u);
    EXPECT_EQ(ReadAll(*spool), (std::vector<std::string>{"first", "second", "fourth", "fifth"}));
  }
}

TEST(SpoolTest, DamagedBytesBetweenRecordsAreSkippedToTheNextFrame) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  AppendAll(path, {"before"});
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << std::string(100000, '\0') << "OSP garbage that looks like a frame start"
      << spool_format::EncodeFrame(spool_format::FrameKind::kRecord, "after");
  }
  auto spool = OpenOrDie(path);
  EXPECT_EQ(spool->damaged_records(), 1u);
  EXPECT_EQ(ReadAll(*spool), (std::vector<std::string>{"before", "after"}));
}

// In a child process limited to 1 GiB of address space: 0 when the spool holds "before" and
// "after" and one damaged record.
int ReadUnderOneGibibyte(const std::filesystem::path& path) {
  const rlimit limit{1 << 30, 1 << 30};
  setrlimit(RLIMIT_AS, &limit);
  auto spool = Spool::Open(path);
  if (!spool.ok()) return 2;
  const bool right = (*spool)->damaged_records() == 1 &&
                     ReadAll(**spool) == std::vector<std::string>{"before", "after"};
  return right ? 0 : 1;
}

// A header whose own checksum is right but whose length is absurd is damage: the reader never
// allocates it. Run under a 1 GiB address-space limit so an attempt to would fail the test.
TEST(SpoolTest, AHugeLengthIsDamageAndNeverAllocated) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  AppendAll(path, {"before"});
  {
    std::ofstream f(path, std::ios::app | std::ios::binary);
    f << spool_format::FrameHeader{.kind = spool_format::FrameKind::kRecord, .length = 0xfffffff0u}
             .Encode()
      << "a few bytes of what follows"
      << spool_format::EncodeFrame(spool_format::FrameKind::kRecord, "after");
  }
  EXPECT_EXIT(std::_Exit(ReadUnderOneGibibyte(path)), ::testing::ExitedWithCode(0), "");
}

TEST(SpoolTest, RecordsAboveTheLimitAreRefusedAndTheSpoolStaysUsable) {
  TempDir dir;
  auto spool = OpenOrDie(dir.path() / "c.spool", {.max_record_bytes = 1000});
  const absl::Status refused = spool->Append(std::string(1001, 'x'));
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  ASSERT_OK(spool->Append(std::string(1000, 'x')));
  EXPECT_EQ(ReadAll(*spool), std::vector<std::string>{std::string(1000, 'x')});
}

TEST(SpoolTest, AFileOfAnotherFormatVersionIsNotOpened) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  std::string frame = spool_format::EncodeFrame(spool_format::FrameKind::kRecord, "from later");
  frame[3] = 2;  // version 2, with the header checksum made right for it
  const uint32_t crc = spool_format::Crc32(std::string_view(frame).substr(0, 16));
  for (int i = 0; i < 4; ++i) frame[16 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  { std::ofstream(path, std::ios::binary) << frame; }
  auto spool = Spool::Open(path);
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(spool.status().message().find("spool format version 2"), std::string::npos)
      << spool.status();
  EXPECT_EQ(std::filesystem::file_size(path), frame.size()) << "nothing of it is cut";
}

}  // namespace
}  // namespace omni::connectors
