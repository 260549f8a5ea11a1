// Viber end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: a callback
// signed with the bot's auth token is answered 200 once the broker stored it and reaches an agent;
// a forged signature is refused 403 and never routed; Viber's retry is stored once; the agent's
// reply is sent to a local HTTP server on 127.0.0.1 playing /pa/send_message, and Viber's
// "receiver not subscribed" answer reaches the agent as a delivery failure it can act on.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/escaping.h"
#include "broker/app/broker_app.h"
#include "connectors/sdk/signature.h"
#include "connectors/viber/viber_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/fake_provider_api.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// The token viber-bot-python signed the captured set_webhook check with, so it replays as is.
constexpr char kAuthToken[] = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";
constexpr char kBotName[] = "Omni Support";

// /pa/send_message on a FakeProviderApi: what it was sent, and Viber's answer (ok, or the
// customer unsubscribed).
class FakeViberApi {
 public:
  FakeViberApi() {
    api_.Answer("POST", kSendPath, 200, R"({"status":0,"status_message":"ok","message_token":7})");
  }
  std::string base_url() const { return api_.base_url(); }
  void AnswerNotSubscribed() {
    api_.Answer("POST", kSendPath, 200, R"({"status":6,"status_message":"notSubscribed"})");
  }
  std::vector<json> sent() {
    std::vector<json> out;
    for (const auto& r : api_.Requests(kSendPath)) out.push_back(json::parse(r.body));
    return out;
  }
  std::vector<std::string> tokens() {
    std::vector<std::string> out;
    for (const auto& r : api_.Requests(kSendPath)) {
      auto it = r.headers.find("X-Viber-Auth-Token");
      out.push_back(it == r.headers.end() ? "" : it->second);
    }
    return out;
  }

 private:
  static constexpr char kSendPath[] = "/pa/send_message";
  testing::FakeProviderApi api_;
};

std::string Sign(const std::string& body) {
  return absl::BytesToHexString(connectors::Hmac(connectors::Digest::kSha256, kAuthToken, body));
}

// The test broker with the Viber connector on a free port, sending to `api`.
app::BrokerConfig ViberConfig(const std::filesystem::path& dir, const FakeViberApi& api) {
  app::BrokerConfig config = testing::TestConfig(dir);
  config.connectors.assign(
      1, connectors::ConnectorConfig{.type = "viber",
                                     .name = "viber",
                                     .settings = {{"listen", "127.0.0.1:0"},
                                                  {"auth_token", kAuthToken},
                                                  {"bot_name", kBotName},
                                                  {"api_base_url", api.base_url()}}});
  return config;
}

TEST(ViberFlowTest, SignedCallbackToAgentAndReplyToSendMessage) {
  TempDir dir;
  FakeViberApi viber_api;
  app::BrokerApp broker(ViberConfig(dir.path(), viber_api));
  ASSERT_OK(broker.Start());
  auto* viber = dynamic_cast<connectors::viber::ViberConnector*>(broker.connector("viber"));
  ASSERT_NE(viber, nullptr);
  httplib::Client webhook("127.0.0.1", viber->port());
  webhook.set_read_timeout(15, 0);

  // set_webhook's check, exactly as captured: answered 200, nothing routed.
  auto check = webhook.Post(
      "/viber/webhook",
      {{"X-Viber-Content-Signature",
        "d21b343448c8aee33b8e93768ef6ceb64a6ba6163099973a2b8bd028fea510ef"}},
      R"({"event":"webhook","timestamp":4977069964384421269,"message_token":1478683725125})",
      "application/json");
  ASSERT_TRUE(check);
  EXPECT_EQ(check->status, 200) << check->body;
  // The user opened the chat screen and wrote nothing: acknowledged, counted, nothing routed.
  const std::string opened = testing::ReadFile(
      testing::CorpusDir() / "viber" / "courier/extracted/viber_validConversationStarted.json");
  auto started = webhook.Post("/viber/webhook", {{"X-Viber-Content-Signature", Sign(opened)}},
                              opened, "application/json");
  ASSERT_TRUE(started);
  EXPECT_EQ(started->status, 200) << started->body;
  EXPECT_EQ(viber->Dropped(),
            (std::map<std::string, int64_t>{{"webhook", 1}, {"conversation_started", 1}}));

  // (An English text: the demo roster has no agent for the unicode sample's Japanese.)
  const std::string callback = testing::ReadFile(
      testing::CorpusDir() / "viber" / "courier/extracted/viber_validReceiveContact.json");
  auto forged = webhook.Post("/viber/webhook", {{"X-Viber-Content-Signature", Sign("other")}},
                             callback, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(viber->Rejections()["unauthenticated"], 1);

  auto posted = webhook.Post("/viber/webhook", {{"X-Viber-Content-Signature", Sign(callback)}},
                             callback, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  auto retried = webhook.Post("/viber/webhook", {{"X-Viber-Content-Signature", Sign(callback)}},
                              callback, "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::optional<omnibroker::v1::Offer> offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().id(), "viber:4987381189870374000");
  EXPECT_EQ(offer->last_event().content().text(), "incoming msg");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "How can I help?", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !viber_api.sent().empty(); }));
  const json sent = viber_api.sent().front();
  EXPECT_EQ(sent["receiver"], "xy5/5y6O81+/kbWHpLhBoA==");
  EXPECT_EQ(sent["type"], "text");
  EXPECT_EQ(sent["text"], "How can I help?");
  EXPECT_EQ(sent["sender"]["name"], kBotName);
  EXPECT_EQ(viber_api.tokens().front(), kAuthToken);

  // The customer unsubscribed meanwhile: Viber refuses, and the agent is told why.
  viber_api.AnswerNotSubscribed();
  ASSERT_TRUE((*agent)->SendText(*conversation, "Still there?", "r2").ok());
  const auto failure = testing::NextFailure(**agent);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(failure->message().find("delivery failed: the customer unsubscribed"),
            std::string::npos)
      << failure->message();
  EXPECT_EQ(viber_api.sent().size(), 2u);  // refused for good: not retried
  broker.Stop();
}

// A sender's locale is only a hint: "en_US" reaches routing as the tag "en-US", and a value that
// is no tag at all is dropped, never the customer's message (ingest refuses events with it).
TEST(ViberFlowTest, AnOddLocaleCostsNoMessage) {
  TempDir dir;
  FakeViberApi viber_api;
  app::BrokerApp broker(ViberConfig(dir.path(), viber_api));
  ASSERT_OK(broker.Start());
  auto* viber = dynamic_cast<connectors::viber::ViberConnector*>(broker.connector("viber"));
  ASSERT_NE(viber, nullptr);
  httplib::Client webhook("127.0.0.1", viber->port());
  webhook.set_read_timeout(15, 0);
  json callback = json::parse(testing::ReadFile(
      testing::CorpusDir() / "viber" / "courier/extracted/viber_validReceiveContact.json"));
  int token = 1;
  for (const char* locale : {"en_US", "English"}) {
    callback["message_token"] = token++;
    callback["sender"]["language"] = locale;
    const std::string body = callback.dump();
    auto posted = webhook.Post("/viber/webhook", {{"X-Viber-Content-Signature", Sign(body)}}, body,
                               "application/json");
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 200) << locale << ": " << posted->body;
  }

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::optional<omnibroker::v1::Offer> offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->events_size(), 2);
  EXPECT_EQ(history->events(0).language(), "en-US");
  EXPECT_EQ(history->events(1).language(), "");
  broker.Stop();
}

}  // namespace
}  // namespace omni
