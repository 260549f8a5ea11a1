// The end-to-end flow every Meta channel is tested with, on the real broker (RocksDB, ZeroMQ,
// gRPC) hosting the connector: Meta's subscription handshake is answered; a webhook POST signed
// with the app secret is answered 200 once the broker stored it and reaches an agent; a forged
// one is refused 403 and never routed; a signed notice with no customer message (an account update,
// an opt-in) is answered 200 and counted by kind, and so is one batched beside the message, which
// is routed; a retry is stored once; the agent's reply reaches
// a local HTTP server on 127.0.0.1 playing the Graph API's /messages, and the channel's rule
// refusal (a 24-hour window) reaches the agent as "delivery failed: ...".
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "absl/strings/escaping.h"
#include "base/http_server.h"
#include "broker/app/broker_app.h"
#include "connectors/meta/meta_connector.h"
#include "connectors/sdk/signature.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni::connectors::meta::testing {

struct FlowCase {
  std::string type;         // the connector's factory name
  std::string corpus_file;  // a signed webhook body from the corpus
  std::string event_id;     // of the event it carries
  std::string text;
  std::string business_id;  // the /<id>/messages the reply must go to
  std::string sent_answer;  // the Graph API's answer to a send
  std::string refusal;      // its error body for the channel's rule
  std::string agent_sees;   // what the agent must be told of the refusal
  std::function<void(const nlohmann::json& sent)> check_reply;  // the channel's message body
  // A signed body with no customer message, answered 200 and counted under `notice_type`.
  std::string notice_file;
  std::string notice_type;
};

// POST /v21.0/<id>/messages, recording what it was sent; while `refuse` is set it answers with
// the case's rule error.
class FakeGraphApi {
 public:
  struct Request {
    std::string business_id;
    std::string authorization;
    nlohmann::json body;
  };
  explicit FakeGraphApi(const FlowCase& flow) {
    server_.Post(R"(/v21\.0/([^/]+)/messages)",
                 [this, flow](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   sent_.push_back(Request{req.matches[1], req.get_header_value("Authorization"),
                                           nlohmann::json::parse(req.body)});
                   res.status = refuse_ ? 400 : 200;
                   res.set_content(refuse_ ? flow.refusal : flow.sent_answer, "application/json");
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    EXPECT_TRUE(ListenInBackground(server_, thread_).ok());
  }
  ~FakeGraphApi() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v21.0"; }
  std::vector<Request> sent() {
    std::lock_guard lock(mu_);
    return sent_;
  }
  void set_refuse(bool value) {
    std::lock_guard lock(mu_);
    refuse_ = value;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Request> sent_;
  bool refuse_ = false;
};

inline std::string Signature(const std::string& body, const std::string& secret) {
  return "sha256=" + absl::BytesToHexString(Hmac(Digest::kSha256, secret, body));
}

inline void RunFlow(const FlowCase& flow) {
  using namespace std::chrono_literals;
  using omni::testing::WaitFor;
  constexpr char kAppSecret[] = "app-secret-0123";
  constexpr char kVerifyToken[] = "verify-0123";
  constexpr char kAccessToken[] = "EAA-token";
  omni::testing::TempDir dir;
  FakeGraphApi graph_api(flow);
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = dir.path();
  config.grpc_listen = "127.0.0.1:0";
  config.admin_listen = "127.0.0.1:0";
  config.ingest_listen = "";
  config.connectors.clear();
  config.connectors.push_back(
      ConnectorConfig{.type = flow.type,
                      .name = flow.type,
                      .settings = {{"listen", "127.0.0.1:0"},
                                   {"app_secret", kAppSecret},
                                   {"verify_token", kVerifyToken},
                                   {"access_token", kAccessToken},
                                   {"api_base_url", graph_api.base_url()}}});
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  auto* connector = dynamic_cast<MetaConnector*>(broker.connector(flow.type));
  ASSERT_NE(connector, nullptr);
  httplib::Client webhook("127.0.0.1", connector->port());
  webhook.set_read_timeout(15, 0);
  const std::string path = "/" + flow.type + "/webhook";

  auto handshake = webhook.Get(path + "?hub.mode=subscribe&hub.verify_token=" + kVerifyToken +
                               "&hub.challenge=1158201444");
  ASSERT_TRUE(handshake);
  EXPECT_EQ(handshake->status, 200);
  EXPECT_EQ(handshake->body, "1158201444");
  auto bad_handshake =
      webhook.Get(path + "?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1");
  ASSERT_TRUE(bad_handshake);
  EXPECT_EQ(bad_handshake->status, 403);

  const std::string body = omni::testing::ReadFile(omni::testing::CorpusDir() / flow.corpus_file);
  auto forged = webhook.Post(path, {{"X-Hub-Signature-256", Signature(body, "guess")}}, body,
                             "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(connector->Rejections()["unauthenticated"], 1);

  std::string mixed = body;  // the message, and the notice beside it when the case has one
  if (!flow.notice_file.empty()) {
    const std::string notice =
        omni::testing::ReadFile(omni::testing::CorpusDir() / flow.notice_file);
    nlohmann::json merged = nlohmann::json::parse(body);
    const nlohmann::json notice_body = nlohmann::json::parse(notice);
    for (const auto& entry : notice_body["entry"]) merged["entry"].push_back(entry);
    mixed = merged.dump();
    auto acknowledged = webhook.Post(path, {{"X-Hub-Signature-256", Signature(notice, kAppSecret)}},
                                     notice, "application/json");
    ASSERT_TRUE(acknowledged);
    EXPECT_EQ(acknowledged->status, 200) << acknowledged->body;
    EXPECT_EQ(connector->Dropped(), (std::map<std::string, int64_t>{{flow.notice_type, 1}}));
    EXPECT_EQ(connector->Rejections().count("malformed"), 0u);
  }

  // Meta batches the customer's message with a notice: the message is routed, the notice
  // counted beside it.
  auto posted = webhook.Post(path, {{"X-Hub-Signature-256", Signature(mixed, kAppSecret)}}, mixed,
                             "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  if (!flow.notice_file.empty()) {
    EXPECT_EQ(connector->Dropped(), (std::map<std::string, int64_t>{{flow.notice_type, 2}}));
  }
  // Meta retries the message: stored once, answered 200 again.
  const httplib::Headers signed_headers{{"X-Hub-Signature-256", Signature(body, kAppSecret)}};
  auto retried = webhook.Post(path, signed_headers, body, "application/json");
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
  EXPECT_EQ(offer->last_event().content().text(), flow.text);
  EXPECT_EQ(offer->last_event().id(), flow.event_id);
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "Hi, how can I help?", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !graph_api.sent().empty(); }));
  const FakeGraphApi::Request sent = graph_api.sent().front();
  EXPECT_EQ(sent.business_id, flow.business_id);
  EXPECT_EQ(sent.authorization, std::string("Bearer ") + kAccessToken);
  flow.check_reply(sent.body);

  // A day later Meta refuses free-form messages: the agent is told why.
  graph_api.set_refuse(true);
  ASSERT_TRUE((*agent)->SendText(*conversation, "Are you still there?", "r2").ok());
  const auto failure = omni::testing::NextFailure(**agent);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_NE(failure->message().find("delivery failed: " + flow.agent_sees), std::string::npos)
      << failure->message();
  EXPECT_EQ(graph_api.sent().size(), 2u);  // refused for good: not retried
  broker.Stop();
}

}  // namespace omni::connectors::meta::testing
