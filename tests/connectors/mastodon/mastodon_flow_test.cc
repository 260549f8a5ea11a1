// Mastodon end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: it
// polls a fake instance on 127.0.0.1, the mention reaches an agent once (the instance serves it
// on every poll, as after a lost cursor: stored once), the cursor advances to the acked
// notification and later polls ask for what follows it; the agent's replies are POSTed as
// statuses mentioning the customer, in reply to their newest status, direct as they wrote, with
// the Idempotency-Key.
#include <gtest/gtest.h>

#include "broker/app/broker_app.h"
#include "connectors/mastodon/mastodon_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/connectors/mastodon/fake_mastodon.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::FakeMastodon;
using omni::testing::TempDir;
using omni::testing::WaitFor;

TEST(MastodonFlowTest, PolledMentionToAgentAndReplyAsStatus) {
  TempDir dir;
  FakeMastodon instance;
  instance.AddMention("100", "110000000000000002", "ana@example.social",
                      "@acme where is my order?");
  app::BrokerConfig config = testing::TestConfig(dir.path() / "broker");
  config.connectors.assign(
      1, connectors::ConnectorConfig{.type = "mastodon",
                                     .name = "mastodon",
                                     .settings = {{"instance_url", instance.base_url()},
                                                  {"access_token", FakeMastodon::kToken},
                                                  {"poll_interval_ms", "20"},
                                                  {"state_dir", (dir.path() / "state").string()}}});
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  auto* mastodon =
      dynamic_cast<connectors::mastodon::MastodonConnector*>(broker.connector("mastodon"));
  ASSERT_NE(mastodon, nullptr);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value()) << "polls: " << instance.polls().size();
  EXPECT_EQ(offer->last_event().id(), "mastodon:" + instance.host() + ":110000000000000002");
  EXPECT_EQ(offer->last_event().content().text(), "@acme where is my order?");
  EXPECT_EQ(offer->last_event().channel(), omnibroker::v1::CHANNEL_SOCIAL);
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();

  // The cursor moved to the acked notification; later polls ask for what follows it, and the
  // instance serving the mention again on them does not duplicate it.
  ASSERT_TRUE(WaitFor([&] { return mastodon->cursor() == "100"; }));
  ASSERT_TRUE(WaitFor([&] {
    const auto polls = instance.polls();
    return std::count(polls.begin(), polls.end(), "100") >= 3;
  }));
  EXPECT_EQ(testing::ReadFile(dir.path() / "state" / "mastodon.cursor"), "100\n");
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);

  ASSERT_TRUE((*agent)->SendText(*conversation, "Hi Ana, checking", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !instance.posted().empty(); }));
  const auto first = instance.posted().front();
  EXPECT_EQ(first.body["status"], "@ana@example.social Hi Ana, checking");
  EXPECT_EQ(first.body["in_reply_to_id"], "110000000000000002");
  EXPECT_EQ(first.body["visibility"], "direct");
  EXPECT_EQ(first.idempotency_key, "agent:alice:r1");

  // Ana answers in the same direct thread: the next reply goes to her newest status.
  instance.AddMention("101", "110000000000000004", "ana@example.social", "thanks", "direct",
                      "110000000000000003");
  ASSERT_TRUE(WaitFor([&] { return mastodon->cursor() == "101"; }));
  ASSERT_TRUE((*agent)->SendText(*conversation, "You are welcome", "r2").ok());
  ASSERT_TRUE(WaitFor([&] { return instance.posted().size() == 2; }));
  EXPECT_EQ(instance.posted()[1].body["in_reply_to_id"], "110000000000000004");
  auto after = (*agent)->History(*conversation);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->events_size(), 4);  // two mentions, two replies: one conversation
  broker.Stop();
}

}  // namespace
}  // namespace omni
