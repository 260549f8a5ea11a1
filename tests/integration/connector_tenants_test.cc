// One connector process serving two tenants: a web chat widget per tenant, both of provider
// "webchat", hosted side by side. Each instance publishes for its own tenant and is delivered
// only its tenant's replies (its Hello names the tenant), so each visitor gets their agent's
// answers, however the replies interleave. Before Hellos named tenants, a reply went to either
// instance in turn, and half of them reached a widget that did not know the visitor.
#include <gtest/gtest.h>

#include "connectors/webchat/webchat_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

TEST(ConnectorTenantsTest, EachTenantsWebChatGetsOnlyItsTenantsReplies) {
  testing::TempDir dir;
  app::BrokerConfig config = testing::TestConfig(dir.path());
  config.tenants.push_back(
      app::TenantConfig{.name = "globex", .routing = config.routing, .agents = config.agents});
  connectors::ConnectorConfig globex_chat = config.connectors[0];
  globex_chat.name = "webchat-globex";
  globex_chat.tenant = "globex";
  config.connectors.push_back(globex_chat);
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());

  std::map<std::string, std::unique_ptr<agent::AgentClient>> alices;
  std::map<std::string, std::unique_ptr<testing::Visitor>> visitors;
  for (const std::string tenant : {"default", "globex"}) {
    auto alice = agent::AgentClient::Connect(
        {.target = broker.grpc_address(), .agent_id = "alice", .tenant = tenant});
    ASSERT_TRUE(alice.ok()) << alice.status();
    ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
    alices[tenant] = *std::move(alice);
    const std::string widget = tenant == "default" ? "webchat" : "webchat-globex";
    auto* chat = dynamic_cast<connectors::webchat::WebChatConnector*>(broker.connector(widget));
    ASSERT_NE(chat, nullptr);
    visitors[tenant] = std::make_unique<testing::Visitor>(chat->port());
    visitors[tenant]->Register("Visitor of " + tenant);
  }

  std::map<std::string, std::string> conversations;
  for (const std::string tenant : {"default", "globex"}) {
    ASSERT_EQ(visitors[tenant]->Say("Hello from a visitor of " + tenant).first, 202);
    auto offer = testing::NextOffer(*alices[tenant]);
    ASSERT_TRUE(offer.has_value()) << tenant;
    EXPECT_EQ(offer->conversation().tenant(), tenant);
    auto taken = alices[tenant]->Accept(offer->offer_id());
    ASSERT_TRUE(taken.ok()) << taken.status();
    conversations[tenant] = *taken;
  }
  // Replies of both tenants, interleaved: each reaches its own tenant's widget.
  constexpr int kReplies = 6;
  for (int i = 0; i < kReplies; ++i) {
    for (const std::string tenant : {"default", "globex"}) {
      ASSERT_TRUE(alices[tenant]->SendText(conversations[tenant], tenant + " reply " + std::to_string(i)).ok());
    }
  }
  for (const std::string tenant : {"default", "globex"}) {
    std::vector<std::string> seen;
    ASSERT_TRUE(testing::WaitFor(
        [&] {
          const auto got = visitors[tenant]->Poll(0, 1);
          seen.clear();
          for (const auto& message : got.value("messages", nlohmann::json::array())) {
            if (!message.value("agent_id", "").empty()) seen.push_back(message.value("text", ""));
          }
          return seen.size() >= kReplies;
        },
        20s))
        << tenant << " saw " << seen.size() << " replies";
    for (int i = 0; i < kReplies; ++i) EXPECT_EQ(seen[i], tenant + " reply " + std::to_string(i));
  }
}

}  // namespace
}  // namespace omni
