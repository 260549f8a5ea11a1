// X end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector: X's CRC
// challenge is answered; a forged webhook is refused 403 and never routed; a signed mention is
// answered 200 once stored, its retry deduplicated, and it reaches an agent whose reply is posted
// as a reply tweet to a local HTTP server on 127.0.0.1 playing the X API; a DM to a user who does
// not accept DMs comes back to the agent as a delivery failure it can act on. Plus Deliver alone
// against the same fake: once per event id, and X's errors mapped.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "broker/app/broker_app.h"
#include "connectors/sdk/signature.h"
#include "connectors/x/x_connector.h"
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

constexpr char kSecret[] = "x-consumer-secret-0123";
constexpr char kToken[] = "user-access-token";
constexpr char kClosedDmsUser[] = "66";

struct Sent {
  std::string path, authorization;
  json body;
};

// The X API v2 endpoints Deliver uses, played by FakeProviderApi: POST /2/tweets creates the reply
// (answering its id), a DM to kClosedDmsUser is refused as X refuses one to a user whose DMs are
// closed, other DMs are sent.
class FakeXApi {
 public:
  FakeXApi() {
    set_tweet_status(201);
    api_.Answer("POST", std::string("/2/dm_conversations/with/") + kClosedDmsUser + "/messages",
                403, R"({"detail":"You cannot send messages to this user."})");
  }
  std::string base_url() const { return api_.base_url(); }
  std::vector<Sent> sent() {
    std::vector<Sent> sent;
    for (const auto& request : api_.Requests()) {
      auto authorization = request.headers.find("Authorization");
      sent.push_back({request.path,
                      authorization == request.headers.end() ? "" : authorization->second,
                      json::parse(request.body)});
    }
    return sent;
  }
  // What POST /2/tweets answers from now on (201 = created).
  void set_tweet_status(int status) {
    api_.Answer(
        "POST", "/2/tweets", status,
        status == 201
            ? R"({"data":{"id":"1900000000000000001","text":"ok"}})"
            : R"({"detail":"You are not allowed to create a Tweet with duplicate content."})");
  }

 private:
  testing::FakeProviderApi api_;
};

std::string Signature(const std::string& body) {
  return "sha256=" +
         absl::Base64Escape(connectors::Hmac(connectors::Digest::kSha256, kSecret, body));
}

// The test broker (testing::TestConfig) whose only connector is x, its API at `api_base_url`, with
// `more` settings.
app::BrokerConfig XBroker(const std::filesystem::path& data_dir, const std::string& api_base_url,
                          const std::map<std::string, std::string>& more = {}) {
  app::BrokerConfig config = testing::TestConfig(data_dir);
  connectors::ConnectorConfig x{.type = "x",
                                .name = "x",
                                .settings = {{"listen", "127.0.0.1:0"},
                                             {"consumer_secret", kSecret},
                                             {"access_token", kToken},
                                             {"api_base_url", api_base_url}}};
  x.settings.insert(more.begin(), more.end());
  config.connectors.assign(1, x);
  return config;
}

TEST(XFlowTest, CrcWebhookToAgentAndRepliesToTheXApi) {
  TempDir dir;
  FakeXApi x_api;
  app::BrokerApp broker(XBroker(dir.path(), x_api.base_url()));
  ASSERT_OK(broker.Start());
  auto* x = dynamic_cast<connectors::x::XConnector*>(broker.connector("x"));
  ASSERT_NE(x, nullptr);
  httplib::Client webhook("127.0.0.1", x->port());
  webhook.set_read_timeout(15, 0);

  auto crc = webhook.Get("/x/webhook?crc_token=challenge-123");
  ASSERT_TRUE(crc);
  ASSERT_EQ(crc->status, 200) << crc->body;
  EXPECT_EQ(crc->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(crc->body)["response_token"],
            "sha256=" + absl::Base64Escape(connectors::Hmac(connectors::Digest::kSha256, kSecret,
                                                            "challenge-123")));

  const std::string mention =
      testing::ReadFile(testing::CorpusDir() / "twitter" / "aaa_tweet_create_events_mention.json");
  auto forged = webhook.Post("/x/webhook",
                             {{"X-Twitter-Webhooks-Signature", "sha256=AAAAAAAAAAAAAAAAAAAAAA=="}},
                             mention, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);
  EXPECT_EQ(x->Rejections()["unauthenticated"], 1);

  const httplib::Headers signed_headers{{"X-Twitter-Webhooks-Signature", Signature(mention)}};
  auto posted = webhook.Post("/x/webhook", signed_headers, mention, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  auto retried = webhook.Post("/x/webhook", signed_headers, mention, "application/json");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, 200);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().id(), "x:tweet:1");
  EXPECT_EQ(offer->last_event().channel(), omnibroker::v1::CHANNEL_SOCIAL);
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);  // the retry was deduplicated

  ASSERT_TRUE((*agent)->SendText(*conversation, "Thanks, we are on it", "r1").ok());
  ASSERT_TRUE(WaitFor([&] { return !x_api.sent().empty(); }));
  const Sent reply = x_api.sent().front();
  EXPECT_EQ(reply.path, "/2/tweets");
  EXPECT_EQ(reply.authorization, std::string("Bearer ") + kToken);
  EXPECT_EQ(reply.body["text"], "Thanks, we are on it");
  EXPECT_EQ(reply.body["reply"]["in_reply_to_tweet_id"], "1");
  // The customer answers our reply tweet (once X confirmed it): the same conversation, and the
  // next reply goes to it.
  ASSERT_TRUE(WaitFor([&] { return x->Delivered("agent:alice:r1"); }));
  const std::string answer =
      json{{"for_user_id", "1"},
           {"tweet_create_events",
            {{{"id_str", "1900000000000000002"},
              {"timestamp_ms", "1700000000000"},
              {"text", "@chatwootapp still broken"},
              {"in_reply_to_status_id_str", "1900000000000000001"},
              {"user", {{"id_str", "2"}, {"name", "SurveyJoy"}, {"screen_name", "surveyjoyHQ"}}}}}}}
          .dump();
  auto answered = webhook.Post("/x/webhook", {{"X-Twitter-Webhooks-Signature", Signature(answer)}},
                               answer, "application/json");
  ASSERT_TRUE(answered);
  ASSERT_EQ(answered->status, 200) << answered->body;
  ASSERT_TRUE(WaitFor([&] {
    auto events = (*agent)->History(*conversation);
    return events.ok() && events->events_size() == 3;
  }));
  ASSERT_TRUE((*agent)->SendText(*conversation, "Escalated", "r1b").ok());
  ASSERT_TRUE(WaitFor([&] { return x_api.sent().size() == 2; }));
  EXPECT_EQ(x_api.sent()[1].body["reply"]["in_reply_to_tweet_id"], "1900000000000000002");
  ASSERT_TRUE((*agent)->CloseConversation(*conversation).ok());

  // A DM from a user whose DMs are closed to the account: the reply fails with X's reason.
  const std::string dm = json{{"for_user_id", "1"},
                              {"direct_message_events",
                               {{{"type", "message_create"},
                                 {"id", "1585800613752881156"},
                                 {"created_timestamp", "1700000000000"},
                                 {"message_create",
                                  {{"sender_id", kClosedDmsUser},
                                   {"target", {{"recipient_id", "1"}}},
                                   {"message_data", {{"text", "please DM me back"}}}}}}}}}
                             .dump();
  auto dm_posted = webhook.Post("/x/webhook", {{"X-Twitter-Webhooks-Signature", Signature(dm)}}, dm,
                                "application/json");
  ASSERT_TRUE(dm_posted);
  ASSERT_EQ(dm_posted->status, 200) << dm_posted->body;
  auto dm_offer = testing::NextOffer(**agent);
  ASSERT_TRUE(dm_offer.has_value());
  EXPECT_EQ(dm_offer->last_event().id(), "x:dm:1585800613752881156");
  auto dm_conversation = (*agent)->Accept(dm_offer->offer_id());
  ASSERT_TRUE(dm_conversation.ok()) << dm_conversation.status();
  ASSERT_TRUE((*agent)->SendText(*dm_conversation, "Sure", "r2").ok());
  std::string failure;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*agent)->Next(50ms);
    if (u && u->has_result() && u->result().conversation_id() == *dm_conversation) {
      failure = u->result().message();
    }
    return !failure.empty();
  }));
  EXPECT_NE(failure.find("delivery failed"), std::string::npos) << failure;
  EXPECT_NE(failure.find("does not accept direct messages"), std::string::npos) << failure;
  EXPECT_EQ(x_api.sent().back().path,
            std::string("/2/dm_conversations/with/") + kClosedDmsUser + "/messages");
  broker.Stop();
}

// The CRC answer is an HMAC under the consumer secret, the very key that signs webhook bodies. A
// forged DM sent as a crc_token must not come back signed (else it posts with a valid signature
// and is routed as the customer's), and one address gets only so many CRC answers.
TEST(XFlowTest, TheCrcAnswerCannotSignAForgedDelivery) {
  TempDir dir;
  FakeXApi x_api;
  app::BrokerApp broker(
      XBroker(dir.path(), x_api.base_url(), {{"unauthenticated_rate_limit_burst", "5"}}));
  ASSERT_OK(broker.Start());
  auto* x = dynamic_cast<connectors::x::XConnector*>(broker.connector("x"));
  ASSERT_NE(x, nullptr);
  httplib::Client webhook("127.0.0.1", x->port());
  webhook.set_read_timeout(15, 0);

  const std::string forged = json{{"for_user_id", "1"},
                                  {"direct_message_events",
                                   {{{"type", "message_create"},
                                     {"id", "1585800613752881999"},
                                     {"created_timestamp", "1700000000000"},
                                     {"message_create",
                                      {{"sender_id", "2"},
                                       {"target", {{"recipient_id", "1"}}},
                                       {"message_data", {{"text", "refund me to IBAN XX00"}}}}}}}}}
                                 .dump();
  auto crc = webhook.Get("/x/webhook?crc_token=" + httplib::detail::encode_query_param(forged));
  ASSERT_TRUE(crc);
  EXPECT_EQ(crc->status, 403) << "the CRC answer signed a webhook body: " << crc->body;
  std::string signature = "sha256=AAAAAAAAAAAAAAAAAAAAAA==";
  if (crc->status == 200) signature = json::parse(crc->body)["response_token"];
  auto posted = webhook.Post("/x/webhook", {{"X-Twitter-Webhooks-Signature", signature}}, forged,
                             "application/json");
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->status, 403) << "a forged DM was accepted: " << posted->body;
  EXPECT_EQ(x->Rejections()["unauthenticated"], 1);

  // CRC answers are limited per address (5 at once, then 1 a second): a loop of them soon hears
  // 429 with when to come back.
  std::optional<httplib::Result> limited;
  for (int i = 0; i < 200 && !limited; ++i) {
    auto answer = webhook.Get("/x/webhook?crc_token=challenge123");
    ASSERT_TRUE(answer);
    if (answer->status == 429) {
      limited = std::move(answer);
    } else {
      ASSERT_EQ(answer->status, 200) << answer->body;
    }
  }
  ASSERT_TRUE(limited.has_value()) << "200 CRC answers in a row to one address";
  EXPECT_FALSE((*limited)->get_header_value("Retry-After").empty());
  EXPECT_GE(x->Rejections()["unauthenticated_rate_limited"], 1);
  broker.Stop();
}

omnibroker::v1::Event Reply(const std::string& id, const std::string& thread) {
  omnibroker::v1::Event event;
  event.set_id(id);
  event.set_provider("x");
  event.set_direction(omnibroker::v1::DIRECTION_OUTBOUND);
  event.set_thread_key(thread);
  event.mutable_content()->set_text("We are looking into it");
  return event;
}

TEST(XDeliverTest, OncePerEventAndXErrorsMapToWhatTheAgentCanDo) {
  FakeXApi x_api;
  auto x = connectors::x::XConnector::Create(connectors::x::XOptions{
      .consumer_secret = kSecret, .access_token = kToken, .api = {.base_url = x_api.base_url()}});
  ASSERT_TRUE(x.ok()) << x.status();
  ASSERT_TRUE((*x)->Deliver(Reply("agent:a:1", "tweet:77")).ok());
  ASSERT_TRUE((*x)->Deliver(Reply("agent:a:1", "tweet:77")).ok());
  ASSERT_EQ(x_api.sent().size(), 1u);  // X has no idempotency key: the resend is remembered
  EXPECT_EQ(x_api.sent()[0].body["reply"]["in_reply_to_tweet_id"], "77");  // no tweet seen: root

  x_api.set_tweet_status(403);
  const absl::Status duplicate = (*x)->Deliver(Reply("agent:a:2", "tweet:77"));
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(duplicate.message().find("repeats an earlier tweet"), std::string::npos) << duplicate;
  EXPECT_NE(duplicate.message().find("duplicate content"), std::string::npos) << duplicate;
  x_api.set_tweet_status(429);
  EXPECT_EQ((*x)->Deliver(Reply("agent:a:3", "tweet:77")).code(), absl::StatusCode::kUnavailable);
  x_api.set_tweet_status(401);
  EXPECT_EQ((*x)->Deliver(Reply("agent:a:4", "tweet:77")).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ((*x)->Deliver(Reply("agent:a:5", "7")).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ((*x)->Deliver(Reply("agent:a:6", "dm:")).code(), absl::StatusCode::kInvalidArgument);
  x_api.set_tweet_status(201);
  ASSERT_TRUE((*x)->Deliver(Reply("agent:a:7", "dm:42")).ok());
  EXPECT_EQ(x_api.sent().back().path, "/2/dm_conversations/with/42/messages");
  EXPECT_EQ(x_api.sent().back().body, json({{"text", "We are looking into it"}}));
}

}  // namespace
}  // namespace omni
