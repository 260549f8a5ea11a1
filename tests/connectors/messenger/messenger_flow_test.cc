// Messenger end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: Meta's
// subscription handshake is answered; a webhook POST signed with the app secret is answered 200
// once the broker stored it and reaches an agent; a forged one is refused 403 and never routed;
// a retry is stored once; the agent's reply reaches a local HTTP server on 127.0.0.1 playing the
// Send API, and its refusal outside the 24-hour standard messaging window reaches the agent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/escaping.h"
#include "broker/app/broker_app.h"
#include "connectors/sdk/signature.h"
#include "connectors/messenger/messenger_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::TempDir;
using omni::testing::WaitFor;

constexpr char kAppSecret[] = "fb-app-secret";
constexpr char kVerifyToken[] = "fb-verify";
constexpr char kAccessToken[] = "EAAB-page-token";

// The Send API's POST /<page id>/messages, recording what it was sent. While `outside_window` is
// set it answers as Meta does once the user's last message is older than 24 hours.
class FakeSendApi {
 public:
  FakeSendApi() {
    server_.Post(R"(/v21\.0/([^/]+)/messages)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   sent_.push_back(Request{req.matches[1], req.get_header_value("Authorization"),
                                           json::parse(req.body)});
                   if (outside_window_) {
                     res.status = 400;
                     res.set_content(
                         R"({"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"A1"}})",
                         "application/json");
                     return;
                   }
                   res.set_content(
                       R"({"recipient_id":"5678","message_id":"m_OUT1"})",
                       "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeSendApi() {
    server_.stop();
    thread_.join();
  }
  struct Request {
    std::string page_id;
    std::string authorization;
    json body;
  };
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v21.0"; }
  std::vector<Request> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  void set_outside_window(bool value) {
    std::lock_guard lock(mu_);
    outside_window_ = value;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Request> sent_;
  bool outside_window_ = false;
};

std::string Signature(const std::string& body, const std::string& secret) {
  return "sha256=" + absl::BytesToHexString(connectors::Hmac(connectors::Digest::kSha256, secret, body));
}

TEST(MessengerFlowTest, WebhookToAgentReplyToSendApiAndTheWindowRule) {
  TempDir dir;
  FakeSendApi send_api;
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = dir.path();
  config.grpc_listen = "127.0.0.1:0";
  config.ingest_listen = "";
  config.connectors.clear();
  config.connectors.push_back(connectors::ConnectorConfig{
      .type = "messenger",
      .name = "messenger",
      .settings = {{"listen", "127.0.0.1:0"},
                   {"app_secret", kAppSecret},
                   {"verify_token", kVerifyToken},
                   {"access_token", kAccessToken},
                   {"api_base_url", send_api.base_url()}}});
  app::BrokerApp broker(config);
  ASSERT_TRUE(broker.Start().ok());
  auto* messenger =
      dynamic_cast<connectors::messenger::MessengerConnector*>(broker.connector("messenger"));
  ASSERT_NE(messenger, nullptr);
  httplib::Client webhook("127.0.0.1", messenger->port());
  webhook.set_read_timeout(15, 0);

  auto handshake = webhook.Get(std::string("/messenger/webhook?hub.mode=subscribe&hub.verify_token=") +
                               kVerifyToken + "&hub.challenge=4711");
  ASSERT_TRUE(handshake);
  EXPECT_EQ(handshake->status, 200);
  EXPECT_EQ(handshake->body, "4711");
  auto bad_handshake =
      webhook.Get("/messenger/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1");
  ASSERT_TRUE(bad_handshake);
  EXPECT_EQ(bad_handshake->status, 403);

  const std::string body =
      testing::ReadFile(testing::CorpusDir() / "messenger" / "courier_fba/hello_msg.json");
  auto forged = webhook.Post("/messenger/webhook", {{"X-Hub-Signature-256", Signature(body, "guess")}},
                             body, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(messenger->Rejections()["unauthenticated"], 1);

  const httplib::Headers signed_headers{{"X-Hub-Signature-256", Signature(body, kAppSecret)}};
  auto posted = webhook.Post("/messenger/webhook", signed_headers, body, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  // Meta retries the same delivery: stored once, answered 200 again.
  auto retried = webhook.Post("/messenger/webhook", signed_headers, body, "application/json");
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
  EXPECT_EQ(offer->last_event().id(), "messenger:external_id");
  EXPECT_EQ(offer->last_event().thread_key(), "1234567890:5678");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "Hi, how can I help?", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !send_api.sent().empty(); }));
  const FakeSendApi::Request sent = send_api.sent().front();
  EXPECT_EQ(sent.page_id, "1234567890");
  EXPECT_EQ(sent.authorization, std::string("Bearer ") + kAccessToken);
  EXPECT_EQ(sent.body["recipient"]["id"], "5678");
  EXPECT_EQ(sent.body["messaging_type"], "RESPONSE");
  EXPECT_EQ(sent.body["message"]["text"], "Hi, how can I help?");

  // A day later Meta refuses free-form messages: the agent is told why.
  send_api.set_outside_window(true);
  ASSERT_TRUE((*agent)->SendText(*conversation, "Are you still there?", "r2").ok());
  std::optional<omnibroker::v1::RequestResult> failure;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_result() && u->result().code() != 0) failure = u->result();
    return failure.has_value();
  }));
  EXPECT_EQ(failure->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(failure->message().find("delivery failed: outside Messenger's 24-hour standard "
                                    "messaging window: the customer must write again"),
            std::string::npos)
      << failure->message();
  EXPECT_EQ(send_api.sent().size(), 2u);  // refused for good: not retried
  broker.Stop();
}

}  // namespace
}  // namespace omni
