// Which connector a provider's delivery goes to: in turn among the live ones that serve it, kept
// with the one it went to while that one lives, moved when it goes quiet, never to one that
// dropped the provider from its Hello nor to one whose grant does not cover the tenant.
#include "broker/ingest/connector_peers.h"

#include <gtest/gtest.h>

namespace omni::ingest {
namespace {

using namespace std::chrono_literals;

const std::set<std::string> kAny = {"*"};

class ConnectorPeersTest : public ::testing::Test {
 protected:
  ConnectorPeers peers_{5s};
  ConnectorPeers::Time t0_ = std::chrono::steady_clock::now();
};

TEST_F(ConnectorPeersTest, DeliveriesTakeTurnsAmongLivePeersAndStayWithTheirPeer) {
  EXPECT_FALSE(peers_.Pick("telegram", "acme", "", t0_).has_value());
  EXPECT_TRUE(peers_.Hello("gw-1", {"telegram", "viber"}, kAny, t0_));
  EXPECT_TRUE(peers_.Hello("gw-2", {"telegram"}, kAny, t0_));
  EXPECT_FALSE(peers_.Hello("gw-1", {"telegram", "viber"}, kAny, t0_ + 1s));  // nothing new

  std::set<std::string> picked = {*peers_.Pick("telegram", "acme", "", t0_),
                                  *peers_.Pick("telegram", "acme", "", t0_)};
  EXPECT_EQ(picked, (std::set<std::string>{"gw-1", "gw-2"}));
  EXPECT_EQ(peers_.Pick("viber", "acme", "", t0_), "gw-1");
  // A delivery already given to a live peer stays with it.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(peers_.Pick("telegram", "acme", "gw-2", t0_), "gw-2");
  EXPECT_FALSE(peers_.Pick("whatsapp", "acme", "", t0_).has_value());
}

TEST_F(ConnectorPeersTest, AQuietPeerIsGoneAndItsDeliveriesMove) {
  peers_.Hello("gw-1", {"telegram"}, kAny, t0_);
  peers_.Hello("gw-2", {"telegram"}, kAny, t0_);
  peers_.Seen("gw-2", t0_ + 4s);  // an event or an ack keeps it alive too
  const auto later = t0_ + 6s;
  EXPECT_FALSE(peers_.Serves("gw-1", "telegram", "acme", later));
  EXPECT_EQ(peers_.Pick("telegram", "acme", "gw-1", later), "gw-2");
  EXPECT_TRUE(peers_.Expire(later));
  EXPECT_EQ(peers_.size(), 1);
  EXPECT_FALSE(peers_.Expire(later));
  // Back with a new Hello, it takes its turn again.
  EXPECT_TRUE(peers_.Hello("gw-1", {"telegram"}, kAny, later));
  EXPECT_TRUE(peers_.Serves("gw-1", "telegram", "acme", later));
}

TEST_F(ConnectorPeersTest, AProviderDroppedFromTheHelloGetsNoMoreDeliveries) {
  peers_.Hello("gw-1", {"telegram", "viber"}, kAny, t0_);
  peers_.Hello("gw-1", {"viber"}, kAny, t0_ + 1s);
  EXPECT_FALSE(peers_.Serves("gw-1", "telegram", "acme", t0_ + 1s));
  EXPECT_FALSE(peers_.Pick("telegram", "acme", "gw-1", t0_ + 1s).has_value());
  EXPECT_EQ(peers_.Pick("viber", "acme", "", t0_ + 1s), "gw-1");
  // A peer that names nobody is known but serves nothing.
  EXPECT_FALSE(peers_.Hello("gw-3", {}, kAny, t0_));
  EXPECT_FALSE(peers_.Pick("telegram", "acme", "gw-3", t0_).has_value());
}

TEST_F(ConnectorPeersTest, ATenantsDeliveryGoesOnlyToAPeerItsGrantAllows) {
  peers_.Hello("gw-acme", {"telegram"}, {"acme"}, t0_);
  peers_.Hello("gw-globex", {"telegram"}, {"globex"}, t0_);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(peers_.Pick("telegram", "acme", "", t0_), "gw-acme");
    EXPECT_EQ(peers_.Pick("telegram", "globex", "", t0_), "gw-globex");
  }
  // Given to the other tenant's peer before (say, by an older broker): it moves.
  EXPECT_FALSE(peers_.Serves("gw-globex", "telegram", "acme", t0_));
  EXPECT_EQ(peers_.Pick("telegram", "acme", "gw-globex", t0_), "gw-acme");
  EXPECT_FALSE(peers_.Pick("telegram", "initech", "", t0_).has_value());
  // One that serves every tenant takes any.
  peers_.Hello("gw-all", {"telegram"}, kAny, t0_);
  EXPECT_EQ(peers_.Pick("telegram", "initech", "", t0_), "gw-all");
}

}  // namespace
}  // namespace omni::ingest
