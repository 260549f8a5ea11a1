// PartitionLeases against real NATS servers with JetStream: one alone, and three clustered.
#include "broker/cluster/partition_leases.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/support/nats_server.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

using omni::testing::NatsServers;
using omni::testing::TempDir;
using omni::testing::WaitFor;

std::unique_ptr<JetStream> Connect(const NatsServers& servers) {
  auto js = JetStream::Connect({.servers = servers.Urls(), .timeout = std::chrono::seconds(2)});
  EXPECT_TRUE(js.ok()) << js.status();
  return js.ok() ? *std::move(js) : nullptr;
}

std::unique_ptr<PartitionLeases> OpenLeases(JetStream& js, std::chrono::milliseconds ttl,
                                            int replicas = 1) {
  auto leases = PartitionLeases::Open(js, {.replicas = replicas, .ttl = ttl});
  EXPECT_TRUE(leases.ok()) << leases.status();
  return leases.ok() ? *std::move(leases) : nullptr;
}

omnibroker::v1::PartitionLease Broker(const std::string& id) {
  omnibroker::v1::PartitionLease self;
  self.set_broker(id);
  self.set_grpc_address(id + ":50051");
  self.set_ingest_address("tcp://" + id + ":5570");
  return self;
}

class PartitionLeasesTest : public omni::testing::OneNatsServerTest {};

TEST_F(PartitionLeasesTest, OneBrokerHoldsAPartitionAndOthersSeeWhoAndWhere) {
  auto js = Connect(servers_);
  auto leases = OpenLeases(*js, std::chrono::seconds(30));
  ASSERT_NE(leases, nullptr);
  EXPECT_TRUE(absl::IsNotFound(leases->Holder(3).status()));

  auto b1 = leases->Acquire(3, Broker("b1"));
  ASSERT_TRUE(b1.ok()) << b1.status();
  EXPECT_EQ(b1->epoch, b1->revision);
  auto seen = leases->Holder(3);
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->value.broker(), "b1");
  EXPECT_EQ(seen->value.grpc_address(), "b1:50051");
  EXPECT_EQ(seen->value.ingest_address(), "tcp://b1:5570");
  EXPECT_EQ(seen->epoch, b1->epoch);

  // Another broker (its own connection) is refused, told who holds it.
  auto other_js = Connect(servers_);
  auto other = OpenLeases(*other_js, std::chrono::seconds(30));
  auto b2 = other->Acquire(3, Broker("b2"));
  EXPECT_TRUE(absl::IsFailedPrecondition(b2.status())) << b2.status();
  EXPECT_NE(b2.status().message().find("b1"), std::string::npos) << b2.status();
  // Other partitions are free.
  EXPECT_TRUE(other->Acquire(4, Broker("b2")).ok());

  // Renewals move the revision on and keep the epoch.
  auto renewed = leases->Renew(*b1);
  ASSERT_TRUE(renewed.ok()) << renewed.status();
  EXPECT_GT(renewed->revision, b1->revision);
  EXPECT_EQ(renewed->epoch, b1->epoch);
  EXPECT_EQ(other->Holder(3)->epoch, b1->epoch);
  // A renewal naming an old revision is refused: it is not the newest entry any more.
  EXPECT_TRUE(absl::IsFailedPrecondition(leases->Renew(*b1).status()));
}

TEST_F(PartitionLeasesTest, ALeaseNotRenewedExpiresAndItsHolderLearnsItLostIt) {
  auto js = Connect(servers_);
  auto leases = OpenLeases(*js, std::chrono::seconds(1));
  auto b1 = leases->Acquire(0, Broker("b1"));
  ASSERT_TRUE(b1.ok()) << b1.status();
  // Renewed within the ttl, it lasts past it.
  auto held = *b1;
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    auto renewed = leases->Renew(held);
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    held = *renewed;
  }
  EXPECT_EQ(leases->Holder(0)->value.broker(), "b1");
  // Not renewed: once the ttl passed, nobody holds it, and b2 takes it with a newer epoch.
  ASSERT_TRUE(WaitFor([&] { return absl::IsNotFound(leases->Holder(0).status()); },
                      std::chrono::seconds(10)));
  auto b2 = leases->Acquire(0, Broker("b2"));
  ASSERT_TRUE(b2.ok()) << b2.status();
  EXPECT_GT(b2->epoch, held.epoch);
  // b1 comes back from its stall and renews: lost.
  auto late = leases->Renew(held);
  EXPECT_TRUE(absl::IsFailedPrecondition(late.status())) << late.status();
  EXPECT_EQ(leases->Holder(0)->value.broker(), "b2");
}

TEST_F(PartitionLeasesTest, AReleasedLeaseIsFreeAtOnce) {
  auto js = Connect(servers_);
  auto leases = OpenLeases(*js, std::chrono::seconds(60));
  auto b1 = leases->Acquire(2, Broker("b1"));
  ASSERT_TRUE(b1.ok());
  ASSERT_TRUE(leases->Release(*b1).ok());
  EXPECT_TRUE(absl::IsNotFound(leases->Holder(2).status()));
  auto b2 = leases->Acquire(2, Broker("b2"));
  ASSERT_TRUE(b2.ok()) << b2.status();
  EXPECT_GT(b2->epoch, b1->epoch);
  // Released twice, or renewed after release: lost.
  EXPECT_TRUE(absl::IsFailedPrecondition(leases->Release(*b1)));
  EXPECT_TRUE(absl::IsFailedPrecondition(leases->Renew(*b1).status()));
}

// A standby need not poll for a lease given up: another broker's watch sees each change as it is
// stored, with the new holder, or none when it was given up.
TEST_F(PartitionLeasesTest, AWatchSeesEachLeaseTakenRenewedAndGivenUp) {
  auto js = Connect(servers_);
  auto leases = OpenLeases(*js, std::chrono::seconds(30));
  ASSERT_NE(leases, nullptr);
  auto watcher_js = Connect(servers_);
  auto watcher_leases = OpenLeases(*watcher_js, std::chrono::seconds(30));
  ASSERT_NE(watcher_leases, nullptr);
  std::mutex mu;
  std::vector<std::string> seen;  // "p<n> <holder or ->"
  {
    auto watch = watcher_leases->Watch([&](int partition, const auto* holder) {
      std::lock_guard lock(mu);
      seen.push_back(absl::StrCat("p", partition, " ", holder ? holder->broker() : "-"));
    });
    ASSERT_TRUE(watch.ok()) << watch.status();
    auto lease = leases->Acquire(5, Broker("b1"));
    ASSERT_TRUE(lease.ok()) << lease.status();
    auto renewed = leases->Renew(*lease);
    ASSERT_TRUE(renewed.ok()) << renewed.status();
    ASSERT_TRUE(leases->Release(*renewed).ok());
    ASSERT_TRUE(leases->Acquire(2, Broker("b2")).ok());
    const std::vector<std::string> expected = {"p5 b1", "p5 b1", "p5 -", "p2 b2"};
    EXPECT_TRUE(WaitFor(
        [&] {
          std::lock_guard lock(mu);
          return seen == expected;
        },
        std::chrono::seconds(5)));
  }
  // Destroyed: nothing more is seen.
  ASSERT_TRUE(leases->Acquire(7, Broker("b1")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.size(), 4u);
}

TEST_F(PartitionLeasesTest, ABrokerRestartedWithinTheTtlTakesItsOwnLeaseWithANewEpoch) {
  auto js = Connect(servers_);
  auto leases = OpenLeases(*js, std::chrono::seconds(60));
  auto before = leases->Acquire(1, Broker("b1"));
  ASSERT_TRUE(before.ok());
  auto after = leases->Acquire(1, Broker("b1"));
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_GT(after->epoch, before->epoch);
  // The incarnation before the restart has lost it.
  EXPECT_TRUE(absl::IsFailedPrecondition(leases->Renew(*before).status()));
}

// Brokers racing for the same free partitions: each partition gets exactly one holder.
TEST_F(PartitionLeasesTest, OfBrokersRacingForAFreeLeaseExactlyOneWins) {
  constexpr int kBrokers = 4, kPartitions = 16;
  std::vector<std::unique_ptr<JetStream>> connections;
  std::vector<std::unique_ptr<PartitionLeases>> leases;
  for (int b = 0; b < kBrokers; ++b) {
    connections.push_back(Connect(servers_));
    leases.push_back(OpenLeases(*connections.back(), std::chrono::seconds(60)));
  }
  std::atomic<int> won[kPartitions] = {};
  std::vector<std::thread> brokers;
  for (int b = 0; b < kBrokers; ++b) {
    brokers.emplace_back([&, b] {
      for (int p = 0; p < kPartitions; ++p) {
        auto lease = leases[b]->Acquire(p, Broker(absl::StrCat("b", b)));
        if (lease.ok()) {
          ++won[p];
        } else {
          EXPECT_TRUE(absl::IsFailedPrecondition(lease.status())) << lease.status();
        }
      }
    });
  }
  for (auto& broker : brokers) broker.join();
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(won[p].load(), 1) << "partition " << p;
}

// Three servers_, the bucket on all three: a lease outlives one server's death.
TEST(PartitionLeasesClusterTest, ALeaseOutlivesOneServerKilled) {
  TempDir dir;
  NatsServers servers(dir.path(), 3);
  ASSERT_TRUE(servers.WaitReady(std::chrono::seconds(60)));
  auto js = Connect(servers);
  std::unique_ptr<PartitionLeases> leases;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto opened = PartitionLeases::Open(*js, {.replicas = 3, .ttl = std::chrono::seconds(30)});
        if (opened.ok()) leases = *std::move(opened);
        return leases != nullptr;
      },
      std::chrono::seconds(30)));
  auto b1 = leases->Acquire(5, Broker("b1"));
  ASSERT_TRUE(b1.ok()) << b1.status();
  servers.Kill(0);
  // The bucket's stream may elect a new leader first: the renewal is retried until it goes through.
  std::optional<Lease> renewed;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = leases->Renew(*b1);
        if (r.ok()) renewed = *r;
        return renewed.has_value();
      },
      std::chrono::seconds(30)));
  EXPECT_EQ(renewed->epoch, b1->epoch);
  EXPECT_EQ(leases->Holder(5)->value.broker(), "b1");
  EXPECT_TRUE(absl::IsFailedPrecondition(leases->Acquire(5, Broker("b2")).status()));
}

}  // namespace
}  // namespace omni::cluster
