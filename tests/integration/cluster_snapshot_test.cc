// Snapshots with the real broker binary on a real nats-server: a leader snapshots its partition
// every few records and trims the log behind them; a broker on an empty disk, and a standby the
// trim left behind (frozen meanwhile: a slow follower), start from the newest snapshot and the
// log after it; a broker that ran alone joins a cluster with everything it held. Each then takes
// the partition over with every acknowledged conversation.
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "broker/cluster/jetstream.h"
#include "broker/cluster/partition_log.h"
#include "broker/partitions/partition_map.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/clustered_broker.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::AdminOf;
using omni::testing::ClusteredBroker;
using omni::testing::ClusteredBrokerOptions;
using omni::testing::FreePort;
using omni::testing::Leads;
using omni::testing::LogHas;
using omni::testing::NatsServers;
using omni::testing::ReadFile;
using omni::testing::StandsBy;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// The default tenant's partition's log, read as a follower would.
class DefaultLog {
 public:
  explicit DefaultLog(const NatsServers& servers) {
    auto js = cluster::JetStream::Connect({.servers = servers.Urls()});
    EXPECT_TRUE(js.ok()) << js.status();
    js_ = *std::move(js);
    auto log = cluster::PartitionLog::Open(*js_, partitions::PartitionMap{}.Of("default"), {});
    EXPECT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
  }
  cluster::LogBounds Bounds() const { return log_->Bounds().value_or(cluster::LogBounds{}); }

 private:
  std::unique_ptr<cluster::JetStream> js_;
  std::unique_ptr<cluster::PartitionLog> log_;
};

// Two visitors of the web chat on `web_port` (each with one conversation) write until the log was
// trimmed before `past` (its first record is after it); their conversations are added to
// `acked`. Visitors register at a bounded rate: they write more, not more of them.
class Writers {
 public:
  explicit Writers(int web_port) {
    for (int i = 0; i < 2; ++i) {
      visitors_.emplace_back(std::make_unique<omni::testing::Visitor>(web_port));
      visitors_.back()->Register("writer");
    }
  }

  void UntilTrimmedPast(const DefaultLog& log, uint64_t past, std::set<std::string>& acked) {
    ASSERT_TRUE(WaitFor(
        [&] {
          for (auto& visitor : visitors_) {
            auto [status, body] = visitor->Say("message " + std::to_string(++said_));
            EXPECT_EQ(status, 202) << body.dump();
            if (status != 202) return true;
            acked.insert(body["conversation_id"].get<std::string>());
          }
          return log.Bounds().first > past + 1;
        },
        60s))
        << "first record " << log.Bounds().first;
  }

 private:
  std::vector<std::unique_ptr<omni::testing::Visitor>> visitors_;
  int said_ = 0;
};

// The open conversations the broker on `grpc_port` serves, once it leads.
std::set<std::string> Served(int grpc_port) {
  std::set<std::string> ids;
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  EXPECT_TRUE(AdminOf(grpc_port)->ListConversations(&ctx, {}, &open).ok());
  for (const auto& c : open.conversations()) ids.insert(c.id());
  return ids;
}

// Kills `leader`; the standby on `standby_grpc` (its data in `standby_dir`) must lead and serve
// the `acked` conversations, and no others.
void TakesOverWithAll(std::unique_ptr<ClusteredBroker>& leader, int standby_grpc,
                      const std::filesystem::path& standby_dir, const std::set<std::string>& acked) {
  ASSERT_TRUE(WIFSIGNALED(leader->Stop(SIGKILL)));
  leader.reset();
  ASSERT_TRUE(WaitFor([&] { return Leads(standby_grpc); }, 20s))
      << ReadFile(standby_dir / "broker.log");
  EXPECT_EQ(Served(standby_grpc), acked);
}

// Whether the standby on `grpc_port` applied the log to its end.
bool CaughtUp(int grpc_port) {
  const auto status = omni::testing::StatusOfDefault(grpc_port);
  return status && status->log_last() > 0 && status->applied() == status->log_last();
}

TEST(ClusterSnapshotTest, BrokersTheTrimLeftBehindStartFromTheNewestSnapshot) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  DefaultLog log(servers);
  const ClusteredBrokerOptions leader_options{
      .id = "b1", .grpc_port = FreePort(), .web_port = FreePort(), .snapshot_records = 10};
  auto leader = std::make_unique<ClusteredBroker>(dir.path() / "b1", servers, leader_options);
  ASSERT_TRUE(WaitFor([&] { return Leads(leader_options.grpc_port); }, 20s))
      << ReadFile(dir.path() / "b1" / "broker.log");

  // Snapshots every 10 records; from the second on, the log is trimmed behind the one before.
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(leader_options.web_port); }, 20s));
  Writers writers(leader_options.web_port);
  if (HasFatalFailure()) return;
  std::set<std::string> acked;
  writers.UntilTrimmedPast(log, 1, acked);
  if (HasFailure()) return;
  EXPECT_TRUE(LogHas(dir.path() / "b1", "the log trimmed before record"))
      << ReadFile(dir.path() / "b1" / "broker.log");

  // A broker on an empty disk cannot follow the log from its start: it starts from the snapshot.
  const ClusteredBrokerOptions standby_options{.id = "b2", .grpc_port = FreePort()};
  ClusteredBroker standby(dir.path() / "b2", servers, standby_options);
  ASSERT_TRUE(WaitFor([&] { return StandsBy(standby_options.grpc_port); }, 20s))
      << ReadFile(dir.path() / "b2" / "broker.log");
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(standby_options.grpc_port); }, 20s))
      << ReadFile(dir.path() / "b2" / "broker.log");
  EXPECT_TRUE(LogHas(dir.path() / "b2", "restored from the snapshot at record"))
      << ReadFile(dir.path() / "b2" / "broker.log");

  // Frozen (a slow follower) while the leader goes on past two more snapshots: the log no
  // longer holds its next record. Thawed, it restores the newest snapshot and follows again.
  const uint64_t frozen_at = omni::testing::StatusOfDefault(standby_options.grpc_port)->applied();
  standby.Signal(SIGSTOP);
  writers.UntilTrimmedPast(log, frozen_at, acked);
  standby.Signal(SIGCONT);
  if (HasFailure()) return;
  ASSERT_TRUE(WaitFor(
      [&] {
        return LogHas(dir.path() / "b2", "must be restored from a snapshot") &&
               CaughtUp(standby_options.grpc_port);
      },
      30s))
      << ReadFile(dir.path() / "b2" / "broker.log");

  // The leader dies: the standby leads with every acknowledged conversation.
  TakesOverWithAll(leader, standby_options.grpc_port, dir.path() / "b2", acked);
}

// A broker that ran alone (its own WAL, no cluster) and is then started in a cluster: what it
// held is in no record of the new log, so its first snapshot carries it, and a broker on an empty
// disk that takes the partition over has it all.
TEST(ClusterSnapshotTest, ABrokerThatRanAloneJoinsAClusterWithAllItHeld) {
  TempDir dir;
  NatsServers servers(dir.path() / "nats", 1);
  ASSERT_TRUE(servers.WaitReady());
  const ClusteredBrokerOptions options{.id = "b1", .grpc_port = FreePort(), .web_port = FreePort()};
  std::set<std::string> acked;
  {
    omni::testing::BrokerProcess alone(
        OMNI_BROKER_BINARY, dir.path() / "b1",
        {"--grpc-listen=127.0.0.1:" + std::to_string(options.grpc_port),
         "--webchat-listen=127.0.0.1:" + std::to_string(options.web_port), "--ingest-listen="});
    ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(options.web_port); }, 20s))
        << ReadFile(dir.path() / "b1" / "broker.log");
    omni::testing::VisitorsSay(options.web_port, 5, "before the cluster", acked);
    if (HasFatalFailure()) return;
    ASSERT_TRUE(WIFEXITED(alone.Stop(SIGTERM)));
  }

  auto first = std::make_unique<ClusteredBroker>(dir.path() / "b1", servers, options);
  ASSERT_TRUE(WaitFor([&] { return omni::testing::WebChatReady(options.web_port); }, 20s))
      << ReadFile(dir.path() / "b1" / "broker.log");
  EXPECT_TRUE(Leads(options.grpc_port));
  omni::testing::VisitorsSay(options.web_port, 2, "in the cluster", acked);
  if (HasFatalFailure()) return;
  const ClusteredBrokerOptions standby_options{.id = "b2", .grpc_port = FreePort()};
  ClusteredBroker standby(dir.path() / "b2", servers, standby_options);
  ASSERT_TRUE(WaitFor([&] { return CaughtUp(standby_options.grpc_port); }, 20s))
      << ReadFile(dir.path() / "b2" / "broker.log");
  ASSERT_EQ(acked.size(), 7u);
  TakesOverWithAll(first, standby_options.grpc_port, dir.path() / "b2", acked);
}

}  // namespace
}  // namespace omni
