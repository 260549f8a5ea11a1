// WhatsApp end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: Meta's
// subscription handshake is answered; a webhook POST signed with the app secret is answered 200
// once the broker stored it and reaches an agent; a forged one is refused 403 and never routed;
// a retry is stored once; the agent's reply reaches a local HTTP server on 127.0.0.1 playing the
// Cloud API's /messages, and its 131047 refusal (the 24-hour window) reaches the agent.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/escaping.h"
#include "broker/app/broker_app.h"
#include "connectors/sdk/signature.h"
#include "connectors/whatsapp/whatsapp_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::TempDir;
using omni::testing::WaitFor;

constexpr char kAppSecret[] = "wa-app-secret";
constexpr char kVerifyToken[] = "wa-verify";
constexpr char kAccessToken[] = "EAAG-token";

// The Cloud API's POST /<phone_number_id>/messages, recording what it was sent. While
// `outside_window` is set it answers as WhatsApp does once the customer's last message is older
// than 24 hours.
class FakeCloudApi {
 public:
  FakeCloudApi() {
    server_.Post(R"(/v21\.0/([^/]+)/messages)",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   sent_.push_back(Request{req.matches[1], req.get_header_value("Authorization"),
                                           json::parse(req.body)});
                   if (outside_window_) {
                     res.status = 400;
                     res.set_content(
                         R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"A1"}})",
                         "application/json");
                     return;
                   }
                   res.set_content(
                       R"({"messaging_product":"whatsapp","contacts":[{"input":"5678","wa_id":"5678"}],"messages":[{"id":"wamid.OUT1"}]})",
                       "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeCloudApi() {
    server_.stop();
    thread_.join();
  }
  struct Request {
    std::string phone_number_id;
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

TEST(WhatsAppFlowTest, WebhookToAgentReplyToCloudApiAndTheWindowRule) {
  TempDir dir;
  FakeCloudApi cloud_api;
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = dir.path();
  config.grpc_listen = "127.0.0.1:0";
  config.ingest_listen = "";
  config.connectors.clear();
  config.connectors.push_back(connectors::ConnectorConfig{
      .type = "whatsapp",
      .name = "whatsapp",
      .settings = {{"listen", "127.0.0.1:0"},
                   {"app_secret", kAppSecret},
                   {"verify_token", kVerifyToken},
                   {"access_token", kAccessToken},
                   {"api_base_url", cloud_api.base_url()}}});
  app::BrokerApp broker(config);
  ASSERT_TRUE(broker.Start().ok());
  auto* whatsapp =
      dynamic_cast<connectors::whatsapp::WhatsAppConnector*>(broker.connector("whatsapp"));
  ASSERT_NE(whatsapp, nullptr);
  httplib::Client webhook("127.0.0.1", whatsapp->port());
  webhook.set_read_timeout(15, 0);

  auto handshake = webhook.Get(std::string("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=") +
                               kVerifyToken + "&hub.challenge=1158201444");
  ASSERT_TRUE(handshake);
  EXPECT_EQ(handshake->status, 200);
  EXPECT_EQ(handshake->body, "1158201444");
  auto bad_handshake =
      webhook.Get("/whatsapp/webhook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1");
  ASSERT_TRUE(bad_handshake);
  EXPECT_EQ(bad_handshake->status, 403);

  const std::string body =
      testing::ReadFile(testing::CorpusDir() / "whatsapp" / "courier_wac/hello.json");
  auto forged = webhook.Post("/whatsapp/webhook", {{"X-Hub-Signature-256", Signature(body, "guess")}},
                             body, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(whatsapp->Rejections()["unauthenticated"], 1);

  const httplib::Headers signed_headers{{"X-Hub-Signature-256", Signature(body, kAppSecret)}};
  auto posted = webhook.Post("/whatsapp/webhook", signed_headers, body, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  // Meta retries the same delivery: stored once, answered 200 again.
  auto retried = webhook.Post("/whatsapp/webhook", signed_headers, body, "application/json");
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
  EXPECT_EQ(offer->last_event().id(), "whatsapp:external_id");
  EXPECT_EQ(offer->last_event().sender().phone(), "+5678");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "Hi Kerry, how can I help?", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !cloud_api.sent().empty(); }));
  const FakeCloudApi::Request sent = cloud_api.sent().front();
  EXPECT_EQ(sent.phone_number_id, "1234567890");
  EXPECT_EQ(sent.authorization, std::string("Bearer ") + kAccessToken);
  EXPECT_EQ(sent.body["messaging_product"], "whatsapp");
  EXPECT_EQ(sent.body["to"], "5678");
  EXPECT_EQ(sent.body["type"], "text");
  EXPECT_EQ(sent.body["text"]["body"], "Hi Kerry, how can I help?");

  // A day later WhatsApp refuses free-form messages: the agent is told why.
  cloud_api.set_outside_window(true);
  ASSERT_TRUE((*agent)->SendText(*conversation, "Are you still there?", "r2").ok());
  std::optional<omnibroker::v1::RequestResult> failure;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_result() && u->result().code() != 0) failure = u->result();
    return failure.has_value();
  }));
  EXPECT_EQ(failure->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(failure->message().find("delivery failed: outside WhatsApp's 24-hour customer service "
                                    "window: only an approved template can be sent"),
            std::string::npos)
      << failure->message();
  EXPECT_EQ(cloud_api.sent().size(), 2u);  // refused for good: not retried
  broker.Stop();
}

}  // namespace
}  // namespace omni
