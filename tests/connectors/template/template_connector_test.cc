// The template connector builds and works: its inbound path authenticates and parses, rejects
// malformed input with the field, answers a webhook 200 after the ack, and delivers to a local
// HTTP server on 127.0.0.1 once per event id.
#include "connectors/template/template_connector.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "base/http_server.h"

namespace omni::connectors::template_channel {
namespace {

InboundRequest Request(std::string body, std::string secret = "s3cret") {
  return InboundRequest{.method = "POST",
                        .path = "/template/webhook",
                        .headers = {{"X-Template-Secret", std::move(secret)}},
                        .body = std::move(body)};
}

constexpr char kBody[] = R"({"message_id":"m1","from":"u1","thread":"t1","text":"hi"})";

TEST(TemplateConnectorTest, NormalizeAuthenticatesThenParses) {
  auto factory = MakeTemplateFactory();
  ConnectorConfig config{
      .type = "template", .name = "template", .settings = {{"secret", "s3cret"}}};
  auto events = factory->Normalize(config, Request(kBody), SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id(), "template:m1");
  EXPECT_EQ(events->front().thread_key(), "t1");
  EXPECT_EQ(events->front().sender().handle(), "u1");
  EXPECT_EQ(
      factory->Normalize(config, Request(kBody, "wrong"), SystemClock().Now()).status().code(),
      absl::StatusCode::kUnauthenticated);
  for (const char* bad : {"", "[]", R"({"from":"u","thread":"t","text":"x"})",
                          R"({"message_id":"m","from":"u","thread":"t","text":5})"}) {
    auto rejected = factory->Normalize(config, Request(bad), SystemClock().Now());
    EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// Acks every publish at once (the real broker path is covered by the Telegram flow test).
class AckingContext : public ConnectorContext {
 public:
  absl::Status Publish(omnibroker::v1::Event event, AckCallback done) override {
    omnibroker::v1::IngestAck ack;
    ack.set_event_id(event.id());
    ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
    published.push_back(std::move(event));
    done(ack);
    return absl::OkStatus();
  }
  const Clock& clock() const override { return clock_; }
  std::string_view tenant() const override { return "default"; }
  std::vector<omnibroker::v1::Event> published;

 private:
  SystemClock clock_;
};

TEST(TemplateConnectorTest, WebhookInAndDeliveryOut) {
  httplib::Server provider;
  int sends = 0;
  std::string sent;
  provider.Post("/send", [&](const httplib::Request& req, httplib::Response& res) {
    ++sends;
    sent = req.body;
    res.set_content("{}", "application/json");
  });
  const int provider_port = provider.bind_to_any_port("127.0.0.1");
  std::thread provider_thread;
  ASSERT_TRUE(ListenInBackground(provider, provider_thread).ok());

  auto connector = TemplateConnector::Create(ConnectorConfig{
      .type = "template",
      .name = "template",
      .settings = {{"secret", "s3cret"},
                   {"listen", "127.0.0.1:0"},
                   {"api_base_url", "http://127.0.0.1:" + std::to_string(provider_port)}}});
  ASSERT_TRUE(connector.ok()) << connector.status();
  AckingContext context;
  ASSERT_TRUE((*connector)->Start(context).ok());
  httplib::Client client("127.0.0.1", (*connector)->port());
  auto res = client.Post("/template/webhook", {{"X-Template-Secret", "s3cret"}}, kBody,
                         "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ASSERT_EQ(context.published.size(), 1u);
  // A wrong secret is refused, not published, and counted for omni_webhook_rejections_total.
  auto forged = client.Post("/template/webhook", {{"X-Template-Secret", "guess"}}, kBody, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_NE(forged->status, 200);
  EXPECT_EQ(context.published.size(), 1u);
  EXPECT_EQ((*connector)->Rejections(), (std::map<std::string, int64_t>{{"unauthenticated", 1}}));

  omnibroker::v1::Event reply;
  reply.set_id("reply-1");
  reply.set_thread_key("t1");
  reply.mutable_content()->set_text("hello back");
  ASSERT_TRUE((*connector)->Deliver(reply).ok());
  ASSERT_TRUE((*connector)->Deliver(reply).ok());  // a resend is not sent twice
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(sent, R"({"text":"hello back","thread":"t1"})");

  (*connector)->Stop();
  provider.stop();
  provider_thread.join();
}

}  // namespace
}  // namespace omni::connectors::template_channel
