// VK end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: VK's
// confirmation request is answered with the configured string; a Callback API update with the
// right secret is answered "ok" once the broker stored it and reaches an agent; a wrong secret is
// refused 403 and never routed; VK's retry is stored once; the agent's reply is sent to a local
// HTTP server on 127.0.0.1 playing messages.send, with random_id derived from the reply's id, and
// VK's error 901 reaches the agent as a delivery failure it can act on.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "broker/app/broker_app.h"
#include "connectors/vk/vk_connector.h"
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

constexpr char kSecret[] = "vk-secret-0123";
constexpr char kConfirmation[] = "d8v2ve07";
constexpr char kAccessToken[] = "vk1.a.community-token";

// messages.send on a FakeProviderApi: the parameters it was sent, and VK's answer (ok, or error
// 901).
class FakeVkApi {
 public:
  FakeVkApi() { api_.Answer("POST", kSendPath, 200, R"({"response":77})"); }
  std::string base_url() const { return api_.base_url(); }
  void Refuse() {
    api_.Answer(
        "POST", kSendPath, 200,
        R"({"error":{"error_code":901,"error_msg":"Can't send messages for users without permission"}})");
  }
  std::vector<std::map<std::string, std::string>> sent() {
    std::vector<std::map<std::string, std::string>> out;
    for (const auto& r : api_.Requests(kSendPath))
      out.emplace_back(r.params.begin(), r.params.end());
    return out;
  }

 private:
  static constexpr char kSendPath[] = "/method/messages.send";
  testing::FakeProviderApi api_;
};

TEST(VkFlowTest, CallbackToAgentAndReplyToMessagesSend) {
  TempDir dir;
  FakeVkApi vk_api;
  app::BrokerConfig config = testing::TestConfig(dir.path());
  config.connectors.assign(
      1, connectors::ConnectorConfig{.type = "vk",
                                     .name = "vk",
                                     .settings = {{"listen", "127.0.0.1:0"},
                                                  {"secret", kSecret},
                                                  {"confirmation", kConfirmation},
                                                  {"access_token", kAccessToken},
                                                  {"group_id", "183287114"},
                                                  {"api_base_url", vk_api.base_url()}}});
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  auto* vk = dynamic_cast<connectors::vk::VkConnector*>(broker.connector("vk"));
  ASSERT_NE(vk, nullptr);
  httplib::Client callback("127.0.0.1", vk->port());
  callback.set_read_timeout(15, 0);

  auto confirmed = callback.Post(
      "/vk/callback",
      json{{"type", "confirmation"}, {"group_id", 183287114}, {"secret", kSecret}}.dump(),
      "application/json");
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->status, 200);
  EXPECT_EQ(confirmed->body, kConfirmation);  // exactly the string, nothing around it

  // A real update (Russian, in a group chat), as the Callback API sends it: with the secret.
  json update = json::parse(
      testing::ReadFile(testing::CorpusDir() / "vk" /
                        "vk_longpoll_response_photo_in_chat_cyrillic.json"))["updates"][0];
  update["secret"] = "not-the-secret";
  auto forged = callback.Post("/vk/callback", update.dump(), "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(vk->Rejections()["unauthenticated"], 1);

  // Someone joined the community (VK's group_join): answered "ok" and counted, nothing routed, so
  // VK never takes the server for broken.
  const json joined{{"type", "group_join"},
                    {"group_id", 183287114},
                    {"event_id", "a1b2"},
                    {"v", "5.199"},
                    {"object", {{"user_id", 5}, {"join_type", "join"}}},
                    {"secret", kSecret}};
  auto acknowledged = callback.Post("/vk/callback", joined.dump(), "application/json");
  ASSERT_TRUE(acknowledged);
  EXPECT_EQ(acknowledged->status, 200);
  EXPECT_EQ(acknowledged->body, "ok");
  EXPECT_EQ(vk->Dropped(), (std::map<std::string, int64_t>{{"group_join", 1}}));

  update["secret"] = kSecret;
  auto posted = callback.Post("/vk/callback", update.dump(), "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  EXPECT_EQ(posted->body, "ok");
  // VK retries with the same event_id: stored once, answered "ok" again.
  auto retried = callback.Post("/vk/callback", update.dump(), "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);
  EXPECT_EQ(retried->body, "ok");

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "boris");  // speaks Russian
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::optional<omnibroker::v1::Offer> offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().id(), "vk:183287114:2000000279:241661");
  EXPECT_EQ(offer->last_event().content().text(), "Чувак могёт ракетами кидаться");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  auto reply_id = (*agent)->SendText(*conversation, "Привет! Чем помочь?", "r1");
  ASSERT_TRUE(reply_id.ok()) << reply_id.status();
  ASSERT_TRUE(WaitFor([&] { return !vk_api.sent().empty(); }));
  const auto sent = vk_api.sent().front();
  EXPECT_EQ(sent.at("peer_id"), "2000000279");
  EXPECT_EQ(sent.at("message"), "Привет! Чем помочь?");
  EXPECT_EQ(sent.at("random_id"), std::to_string(connectors::vk::RandomId(*reply_id)));
  EXPECT_EQ(sent.at("access_token"), kAccessToken);
  EXPECT_EQ(sent.at("v"), "5.199");

  // The customer never allowed the community's messages in private: VK refuses with 901.
  vk_api.Refuse();
  ASSERT_TRUE((*agent)->SendText(*conversation, "Вы здесь?", "r2").ok());
  const auto failure = testing::NextFailure(**agent);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(failure->message().find("delivery failed: the customer does not accept messages"),
            std::string::npos)
      << failure->message();
  EXPECT_EQ(vk_api.sent().size(), 2u);  // refused for good: not retried
  broker.Stop();
}

}  // namespace
}  // namespace omni
