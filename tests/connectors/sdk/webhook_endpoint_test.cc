// WebhookEndpoint over real HTTP on 127.0.0.1: 200 only after every event of a delivery is acked,
// 503 when acks do not come, 403/400/413/429 for auth, parse, size and rate failures, each
// counted (the rate on a fake clock; only authenticated requests spend the provider's, the rest
// their address's own); GET and POST handshakes answered with the body they choose; a respond
// function choosing the 200's body once the events are acked, on the main path and on more paths.
#include "connectors/sdk/webhook_endpoint.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "absl/strings/str_split.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors {
namespace {

using omnibroker::v1::Event;

// Acks each publish at once with `status`, or never when `ack` is false.
class AckingContext : public ConnectorContext {
 public:
  absl::Status Publish(Event event, AckCallback done) override {
    {
      std::lock_guard lock(mu_);
      published.push_back(event.id());
    }
    if (!ack) return absl::OkStatus();
    omnibroker::v1::IngestAck reply;
    reply.set_event_id(event.id());
    reply.set_status(status);
    done(reply);
    return absl::OkStatus();
  }
  const Clock& clock() const override { return fake_clock; }
  std::string_view tenant() const override { return "default"; }

  bool ack = true;
  omnibroker::v1::IngestStatus status = omnibroker::v1::INGEST_STATUS_ACCEPTED;
  std::mutex mu_;
  std::vector<std::string> published;
  FakeClock fake_clock;  // the rate limiter's time
};

// A toy channel: X-Token must match, the body is one event id per line, "bad" is malformed.
absl::StatusOr<std::vector<Event>> Normalize(const InboundRequest& request, TimePoint) {
  if (auto s = VerifySharedSecret("tok", request.Header("X-Token"), "X-Token"); !s.ok()) return s;
  if (request.body == "bad") return absl::InvalidArgumentError("body is not a batch");
  std::vector<Event> events;
  for (absl::string_view id : absl::StrSplit(request.body, '\n', absl::SkipEmpty())) {
    events.emplace_back().set_id(std::string(id));
  }
  return events;
}

// A toy POST handshake: a body "confirm" with the right X-Token is answered "abc123" (as VK's
// confirmation wants its configured string back), "confirm?" is a malformed one.
absl::StatusOr<std::optional<std::string>> Confirm(const InboundRequest& request) {
  if (!request.body.starts_with("confirm")) return std::nullopt;
  if (auto s = VerifySharedSecret("tok", request.Header("X-Token"), "X-Token"); !s.ok()) return s;
  if (request.body == "confirm?") return absl::InvalidArgumentError("what to confirm?");
  return std::string("abc123");
}

class WebhookEndpointTest : public ::testing::Test {
 protected:
  void StartEndpoint(std::chrono::milliseconds ack_wait = std::chrono::seconds(10),
                     PostHandshakeFn post_handshake = nullptr, RespondFn respond = nullptr) {
    WebhookOptions options;
    options.max_body_bytes = 64;
    options.ack_wait = ack_wait;
    options.more_paths = {"/webhook/again"};
    options.rate_limit_per_second = rate_limit_;
    options.rate_limit_burst = rate_limit_;
    options.unauthenticated_rate_limit_per_second = unauthenticated_limit_;
    options.unauthenticated_rate_limit_burst = unauthenticated_limit_;
    endpoint_ = std::make_unique<WebhookEndpoint>(
        options, Normalize,
        [](const InboundRequest& request) -> absl::StatusOr<std::string> {
          if (request.path.find("challenge=42") == std::string::npos) {
            return absl::PermissionDeniedError("no challenge");
          }
          return std::string("42");
        },
        std::move(post_handshake), std::move(respond));
    ASSERT_TRUE(endpoint_->Start(context_).ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", endpoint_->port());
  }
  void TearDown() override {
    if (endpoint_) endpoint_->Stop();
  }
  int Post(const std::string& body, const std::string& token = "tok") {
    return PostFor(body, token).first;
  }
  std::pair<int, std::string> PostFor(const std::string& body, const std::string& token = "tok",
                                      const std::string& path = "/webhook") {
    auto res = http_->Post(path.c_str(), {{"X-Token", token}}, body, "text/plain");
    return res ? std::pair(res->status, res->body) : std::pair(-1, std::string());
  }

  int64_t rate_limit_ = 0;             // requests per second and burst; 0 = none
  int64_t unauthenticated_limit_ = 0;  // per address: requests per second and burst; 0 = none
  AckingContext context_;
  std::unique_ptr<WebhookEndpoint> endpoint_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(WebhookEndpointTest, BatchIsAnsweredOkAfterEveryEventIsAcked) {
  StartEndpoint();
  EXPECT_EQ(Post("e1\ne2\ne3"), 200);
  EXPECT_EQ(context_.published, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_TRUE(endpoint_->Rejections().empty());
}

TEST_F(WebhookEndpointTest, MissingAckAnswers503SoTheProviderRetries) {
  context_.ack = false;
  StartEndpoint(std::chrono::milliseconds(100));
  EXPECT_EQ(Post("e1"), 503);
  EXPECT_EQ(endpoint_->Rejections()["ack_timeout"], 1);
}

TEST_F(WebhookEndpointTest, BrokerRejectionIsCountedAndNotRetried) {
  context_.status = omnibroker::v1::INGEST_STATUS_REJECTED;
  StartEndpoint();
  EXPECT_EQ(PostFor("e1"), std::pair(200, std::string("ok")));
  EXPECT_EQ(endpoint_->Rejections()["broker_rejected"], 1);
}

TEST_F(WebhookEndpointTest, AuthParseAndSizeFailuresAreCountedAndNeverPublished) {
  StartEndpoint();
  EXPECT_EQ(Post("e1", "wrong"), 403);
  EXPECT_EQ(Post("e1", ""), 403);
  EXPECT_EQ(Post("bad"), 400);
  EXPECT_EQ(Post(std::string(65, 'x')), 413);
  EXPECT_TRUE(context_.published.empty());
  const auto rejections = endpoint_->Rejections();
  EXPECT_EQ(rejections.at("unauthenticated"), 2);
  EXPECT_EQ(rejections.at("malformed"), 1);
  EXPECT_EQ(rejections.at("body_too_large"), 1);
}

TEST_F(WebhookEndpointTest, BeyondTheProviderRateLimitAnswers429WithRetryAfter) {
  rate_limit_ = 2;
  StartEndpoint();
  EXPECT_EQ(Post("e1"), 200);
  EXPECT_EQ(Post("e2", "wrong"), 403);  // not the provider's: it takes none of its tokens
  EXPECT_EQ(Post("e3"), 200);
  auto limited = http_->Post("/webhook", {{"X-Token", "tok"}}, "e4", "text/plain");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  EXPECT_NE(limited->body.find("rate limit of 2 requests per second"), std::string::npos)
      << limited->body;
  EXPECT_EQ(context_.published, (std::vector<std::string>{"e1", "e3"}));
  EXPECT_EQ(endpoint_->Rejections()["rate_limited"], 1);
  // Handshakes (GET) are not the provider's either; after a second two more requests pass.
  EXPECT_EQ(http_->Get("/webhook?challenge=42")->status, 200);
  context_.fake_clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(Post("e5"), 200);
  EXPECT_EQ(Post("e6"), 200);
  EXPECT_EQ(Post("e7"), 429);
}

// Junk cannot starve the provider: a sender flooding unsigned requests spends its own address's
// budget (403, then 429 before its bodies are read) while the provider's signed requests, from
// another address, still have all of theirs.
TEST_F(WebhookEndpointTest, AnUnsignedFloodLeavesTheProviderItsRateLimit) {
  rate_limit_ = 2;
  unauthenticated_limit_ = 3;
  StartEndpoint();
  httplib::Client junk("127.0.0.1", endpoint_->port());
  junk.set_interface("127.0.0.2");  // the flood's source; the provider's is 127.0.0.1
  std::map<int, int> answered;
  for (int i = 0; i < 50; ++i) {
    auto res =
        junk.Post("/webhook", {{"X-Token", "forged"}}, "junk" + std::to_string(i), "text/plain");
    ++answered[res ? res->status : -1];
  }
  EXPECT_EQ(answered, (std::map<int, int>{{403, 3}, {429, 47}}));
  EXPECT_EQ(Post("e1"), 200);
  EXPECT_EQ(Post("e2"), 200);
  EXPECT_EQ(Post("e3"), 429);  // the provider's own limit, which the flood left whole
  EXPECT_EQ(context_.published, (std::vector<std::string>{"e1", "e2"}));
  const auto rejections = endpoint_->Rejections();
  EXPECT_EQ(rejections.at("unauthenticated"), 3);
  EXPECT_EQ(rejections.at("unauthenticated_rate_limited"), 47);
  EXPECT_EQ(rejections.at("rate_limited"), 1);
  // A body that fails to parse proves nothing either (a channel may authenticate inside it): it
  // is the sender's address that pays.
  EXPECT_EQ(Post("bad"), 400);
  EXPECT_EQ(endpoint_->Rejections()["rate_limited"], 1);
}

TEST_F(WebhookEndpointTest, RateLimitSettingsAreReadAndChecked) {
  ConnectorConfig config{.type = "t", .name = "t", .settings = {{"rate_limit_per_second", "5"}}};
  auto options = WebhookOptionsFromConfig(config, "/webhook");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->rate_limit_per_second, 5);
  config.settings = {{"rate_limit_burst", "10"}};
  EXPECT_NE(WebhookOptionsFromConfig(config, "/webhook")
                .status()
                .message()
                .find("rate_limit_burst needs rate_limit_per_second"),
            std::string::npos);
  config.settings = {{"rate_limit_per_second", "lots"}};
  EXPECT_FALSE(WebhookOptionsFromConfig(config, "/webhook").ok());
  config.settings = {{"unauthenticated_rate_limit_per_second", "3"},
                     {"unauthenticated_rate_limit_burst", "7"}};
  options = WebhookOptionsFromConfig(config, "/webhook");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->unauthenticated_rate_limit_per_second, 3);
  EXPECT_EQ(options->unauthenticated_rate_limit_burst, 7);
  config.settings = {{"unauthenticated_rate_limit_burst", "many"}};
  EXPECT_FALSE(WebhookOptionsFromConfig(config, "/webhook").ok());
}

TEST_F(WebhookEndpointTest, GetHandshake) {
  StartEndpoint();
  auto ok = http_->Get("/webhook?challenge=42");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "42");
  auto refused = http_->Get("/webhook?challenge=7");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(endpoint_->Rejections()["handshake"], 1);
}

// A GET handshake proves nothing about its sender and its answer may be a MAC under the
// provider's secret (X's CRC): each address gets only so many, answered or refused.
TEST_F(WebhookEndpointTest, GetHandshakesAreLimitedPerAddress) {
  unauthenticated_limit_ = 2;
  StartEndpoint();
  EXPECT_EQ(http_->Get("/webhook?challenge=42")->status, 200);
  EXPECT_EQ(http_->Get("/webhook?challenge=7")->status, 403);
  auto limited = http_->Get("/webhook?challenge=42");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  EXPECT_NE(limited->body.find("too many unauthenticated requests from 127.0.0.1"),
            std::string::npos)
      << limited->body;
  EXPECT_EQ(endpoint_->Rejections()["unauthenticated_rate_limited"], 1);
  context_.fake_clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(http_->Get("/webhook?challenge=42")->status, 200);
}

TEST_F(WebhookEndpointTest, PostHandshakeAnswersItsOwnBodyBeforeNormalize) {
  StartEndpoint(std::chrono::seconds(10), Confirm);
  EXPECT_EQ(PostFor("confirm"), std::pair(200, std::string("abc123")));
  EXPECT_EQ(Post("confirm", "wrong"), 403);
  EXPECT_EQ(Post("confirm?"), 400);
  EXPECT_TRUE(context_.published.empty());
  EXPECT_EQ(endpoint_->Rejections()["handshake"], 2);
  // Everything else is an ordinary delivery.
  EXPECT_EQ(PostFor("e1"), std::pair(200, std::string("ok")));
  EXPECT_EQ(Post("e2", "wrong"), 403);
  EXPECT_EQ(context_.published, std::vector<std::string>{"e1"});
  EXPECT_EQ(endpoint_->Rejections()["unauthenticated"], 1);
}

// The answer names the path and the events, and whether the broker had them when it was chosen.
TEST_F(WebhookEndpointTest, RespondChoosesTheAnswerOnceTheEventsAreAcked) {
  StartEndpoint(std::chrono::milliseconds(200), nullptr,
                [this](const InboundRequest& request, const std::vector<Event>& events) {
                  std::string body = request.path;
                  std::lock_guard lock(context_.mu_);
                  for (const Event& e : events) {
                    const bool acked =
                        std::find(context_.published.begin(), context_.published.end(), e.id()) !=
                        context_.published.end();
                    body += " " + e.id() + (acked ? "+" : "-");
                  }
                  return WebhookAnswer{.body = body, .content_type = "text/xml"};
                });
  auto res = http_->Post("/webhook", {{"X-Token", "tok"}}, "e1\ne2", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "/webhook e1+ e2+");
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/xml");
  EXPECT_EQ(PostFor("e3", "tok", "/webhook/again"),
            std::pair(200, std::string("/webhook/again e3+")));
  EXPECT_EQ(PostFor("e4", "wrong", "/webhook/again").first, 403);
  // No ack: the provider is told to retry, never given the answer.
  context_.ack = false;
  EXPECT_EQ(Post("e5"), 503);
  EXPECT_EQ(PostFor("e6", "tok", "/elsewhere").first, 404);
}

}  // namespace
}  // namespace omni::connectors
