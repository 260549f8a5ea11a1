// JetStream's connection against a real nats-server through a proxy the test turns into a black
// hole (calls time out) and then cuts: it connects again on its own, calls on their way or not.
#include "broker/cluster/jetstream.h"

#include <gtest/gtest.h>

#include <thread>

#include "broker/cluster/partition_leases.h"
#include "broker/cluster/partition_log.h"
#include "tests/support/nats_server.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/test_support.h"

namespace omni::cluster {
namespace {

using omni::testing::WaitFor;

class JetStreamReconnectTest : public omni::testing::OneNatsServerTest {};

TEST_F(JetStreamReconnectTest, ConnectsAgainAfterItsConnectionIsCut) {
  const std::string direct = servers_.Url(0);
  omni::testing::TcpProxy proxy(std::stoi(direct.substr(direct.rfind(':') + 1)));
  auto js = JetStream::Connect({.servers = {"nats://" + proxy.address()},
                                .timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(js.ok()) << js.status();
  auto log = PartitionLog::Open(**js, 0, {});
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->Append("a", "one", 0).ok());
  auto leases = PartitionLeases::Open(**js, {});
  ASSERT_TRUE(leases.ok()) << leases.status();
  auto watch = (*leases)->Watch([](int, const auto*) {});
  ASSERT_TRUE(watch.ok()) << watch.status();

  proxy.SetBlackHole(true);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE((*log)->Append("b", "two", 1).ok());
  // Cut while calls are on their way.
  std::thread waiting([&] { (void)(*log)->Append("b", "two", 1); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  proxy.SetBlackHole(false);
  proxy.Cut();
  waiting.join();
  EXPECT_TRUE(WaitFor([&] { return (*log)->Append("b", "two", 1).ok(); },
                      std::chrono::seconds(20)));
  EXPECT_GE(proxy.relayed(), 2);
}

}  // namespace
}  // namespace omni::cluster
