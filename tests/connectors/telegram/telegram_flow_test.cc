// Telegram end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: a
// webhook POST with the secret token is answered 200 once the broker stored it and reaches an
// agent; a wrong token is refused 403 and never routed; the agent's reply is sent to a local
// HTTP server on 127.0.0.1 playing the Bot API's sendMessage. The bot token, which travels in that
// API's URL, never shows in a delivery error or a log line.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "broker/app/broker_app.h"
#include "connectors/telegram/telegram_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/fake_provider_api.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::TempDir;
using omni::testing::WaitFor;

constexpr char kSecret[] = "tg-secret-0123";
constexpr char kBotToken[] = "123:ABC";

// A broker on free loopback ports whose only connector is telegram, its Bot API at `api_base_url`.
app::BrokerConfig TelegramBroker(const std::filesystem::path& data_dir,
                                 const std::string& bot_token, const std::string& api_base_url) {
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = data_dir;
  config.grpc_listen = "127.0.0.1:0";
  config.admin_listen = "127.0.0.1:0";
  config.ingest_listen = "";
  config.connectors = {connectors::ConnectorConfig{.type = "telegram",
                                                   .name = "telegram",
                                                   .settings = {{"listen", "127.0.0.1:0"},
                                                                {"secret_token", kSecret},
                                                                {"bot_token", bot_token},
                                                                {"api_base_url", api_base_url}}}};
  return config;
}

TEST(TelegramFlowTest, WebhookToAgentAndReplyToBotApi) {
  TempDir dir;
  testing::FakeProviderApi bot_api;
  app::BrokerApp broker(TelegramBroker(dir.path(), kBotToken, bot_api.base_url()));
  ASSERT_OK(broker.Start());
  auto* telegram =
      dynamic_cast<connectors::telegram::TelegramConnector*>(broker.connector("telegram"));
  ASSERT_NE(telegram, nullptr);
  httplib::Client webhook("127.0.0.1", telegram->port());
  webhook.set_read_timeout(15, 0);

  const std::string update =
      testing::ReadFile(testing::CorpusDir() / "telegram" / "courier/extracted/tg_helloMsg.json");
  auto forged =
      webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", "not-the-secret"}},
                   update, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(telegram->Rejections()["unauthenticated"], 1);
  // The bot was added to a group (the Bot API's my_chat_member): answered 200, counted, not routed.
  const std::string added =
      R"({"update_id":77,"my_chat_member":{"chat":{"id":-100,"type":"group","title":"Team"},)"
      R"("from":{"id":3527065,"is_bot":false,"first_name":"Nic"},"date":1700000000,)"
      R"("old_chat_member":{"status":"left","user":{"id":7,"is_bot":true,"first_name":"Bot"}},)"
      R"("new_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"Bot"}}}})";
  auto acknowledged =
      webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}}, added,
                   "application/json");
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->status, 200) << acknowledged->body;
  EXPECT_EQ(telegram->Dropped(), (std::map<std::string, int64_t>{{"my_chat_member", 1}}));

  auto posted = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
                             update, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  // Telegram retries the same update: stored once, answered 200 again.
  auto retried = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
                              update, "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  std::optional<omnibroker::v1::Offer> offer;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_offer()) offer = u->offer();
    return offer.has_value();
  }));
  EXPECT_EQ(offer->last_event().content().text(), "Hello World");
  EXPECT_EQ(offer->last_event().id(), "telegram:3527065:41");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "Hi Nic, how can I help?", "r1").ok());
  const std::string send_path = std::string("/bot") + kBotToken + "/sendMessage";
  ASSERT_TRUE(WaitFor([&] { return !bot_api.Requests(send_path).empty(); }));
  const json sent = json::parse(bot_api.Requests(send_path).front().body);
  EXPECT_EQ(sent["chat_id"], 3527065);
  EXPECT_EQ(sent["text"], "Hi Nic, how can I help?");
  broker.Stop();
}

// A story shared with the bot has no text: answered 200 and routed with a placeholder, where it
// was refused 400 (and Telegram, after many, gives up on the webhook).
TEST(TelegramFlowTest, AStoryIsAnswered200AndReachesTheAgentAsAPlaceholder) {
  TempDir dir;
  testing::FakeProviderApi bot_api;
  app::BrokerApp broker(TelegramBroker(dir.path(), kBotToken, bot_api.base_url()));
  ASSERT_OK(broker.Start());
  auto* telegram =
      dynamic_cast<connectors::telegram::TelegramConnector*>(broker.connector("telegram"));
  ASSERT_NE(telegram, nullptr);
  httplib::Client webhook("127.0.0.1", telegram->port());
  webhook.set_read_timeout(15, 0);
  auto posted =
      webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
                   testing::ReadFile(testing::CorpusDir() / "telegram" / "docs/tg_story.json"),
                   "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(telegram->Rejections().count("malformed"), 0u);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  std::optional<omnibroker::v1::Offer> offer;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_offer()) offer = u->offer();
    return offer.has_value();
  }));
  EXPECT_EQ(offer->last_event().content().text(), "[shared a story]");
  EXPECT_EQ(offer->last_event().id(), "telegram:1111111:1368");
  broker.Stop();
}

// Telegram Business: a customer writes to the business account the bot manages. The agent's reply
// goes back through that connection (sendMessage with business_connection_id), to the customer's
// chat with the business, not to a chat with the bot.
TEST(TelegramFlowTest, ABusinessMessageIsAnsweredThroughItsConnection) {
  TempDir dir;
  testing::FakeProviderApi bot_api;
  app::BrokerApp broker(TelegramBroker(dir.path(), kBotToken, bot_api.base_url()));
  ASSERT_OK(broker.Start());
  auto* telegram =
      dynamic_cast<connectors::telegram::TelegramConnector*>(broker.connector("telegram"));
  ASSERT_NE(telegram, nullptr);
  httplib::Client webhook("127.0.0.1", telegram->port());
  webhook.set_read_timeout(15, 0);
  auto posted = webhook.Post(
      "/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
      testing::ReadFile(testing::CorpusDir() / "telegram" / "docs/tg_business_message.json"),
      "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  std::optional<omnibroker::v1::Offer> offer;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_offer()) offer = u->offer();
    return offer.has_value();
  }));
  EXPECT_EQ(offer->last_event().content().text(), "Is the shop open on Sunday?");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  ASSERT_TRUE((*agent)->SendText(*conversation, "Yes, from 10 to 4.", "r1").ok());
  const std::string send_path = std::string("/bot") + kBotToken + "/sendMessage";
  ASSERT_TRUE(WaitFor([&] { return !bot_api.Requests(send_path).empty(); }));
  const json sent = json::parse(bot_api.Requests(send_path).front().body);
  EXPECT_EQ(sent["chat_id"], 1111111);
  EXPECT_EQ(sent["business_connection_id"], "AbCdEfGhIjKlMnOp");
  EXPECT_EQ(sent["text"], "Yes, from 10 to 4.");
  broker.Stop();
}

// The bot token is a segment of the Bot API's URL (/bot<token>/sendMessage). A proxy in front of
// the API that cannot route the request answers 404 naming the path, as proxies do: the delivery
// failure the agent sees and every log line about it (the connector host's, the broker's) say
// what went wrong without the token.
TEST(TelegramFlowTest, DeliveryErrorsAndLogsNeverCarryTheBotToken) {
  constexpr char kRealisticToken[] = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";
  const std::string send_path = std::string("/bot") + kRealisticToken + "/sendMessage";
  TempDir dir;
  testing::FakeProviderApi bot_api;
  bot_api.Answer("POST", send_path, 404, "Cannot POST " + send_path);
  app::BrokerApp broker(TelegramBroker(dir.path(), kRealisticToken, bot_api.base_url()));
  ASSERT_OK(broker.Start());
  auto* telegram =
      dynamic_cast<connectors::telegram::TelegramConnector*>(broker.connector("telegram"));
  ASSERT_NE(telegram, nullptr);
  httplib::Client webhook("127.0.0.1", telegram->port());
  webhook.set_read_timeout(15, 0);
  auto posted = webhook.Post(
      "/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
      testing::ReadFile(testing::CorpusDir() / "telegram" / "courier/extracted/tg_helloMsg.json"),
      "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  std::optional<omnibroker::v1::Offer> offer;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_offer()) offer = u->offer();
    return offer.has_value();
  }));
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();

  ::testing::internal::CaptureStderr();
  const bool sent = (*agent)->SendText(*conversation, "Hi Nic", "r1").ok();
  std::string failure;
  const auto delivery_failed = [&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_result() && u->result().conversation_id() == *conversation) {
      failure = u->result().message();
    }
    return !failure.empty();
  };
  const bool failed = sent && WaitFor(delivery_failed);
  broker.Stop();  // every log line about the delivery is written by now
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(sent);
  ASSERT_TRUE(failed) << log;
  ASSERT_EQ(bot_api.Requests(send_path).size(), 1u);
  EXPECT_NE(failure.find("answered HTTP 404: Cannot POST /bot<redacted>/sendMessage"),
            std::string::npos)
      << failure;
  EXPECT_EQ(failure.find("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), std::string::npos) << failure;
  EXPECT_NE(log.find("/bot<redacted>/sendMessage"), std::string::npos) << log;
  EXPECT_EQ(log.find("AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"), std::string::npos) << log;
}

}  // namespace
}  // namespace omni
