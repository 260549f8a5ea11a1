// WebhookEndpoint over real HTTP on 127.0.0.1: 200 only after every event of a delivery is acked,
// 503 when acks do not come, 403/400/413/429 for auth, parse, size and rate failures, each
// counted (the rate on a fake clock; only authenticated requests spend the provider's, the rest
// their address's own); every request bounded before it is handled (431, 413, 408, 400/414, over
// a raw socket where no HTTP client would send such a thing); GET and POST handshakes answered
// with the body they choose; a respond function choosing the 200's body once the events are acked,
// on the main path and on more paths.
#include "connectors/sdk/webhook_endpoint.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/sdk/signature.h"
#include "tests/support/raw_connection.h"

namespace omni::connectors {
namespace {

using ::omni::testing::RawConnection;

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

// A toy channel: X-Token must match, the body is one event id per line, "bad" is malformed, a
// body "notice" is not customer traffic and a line "notice" among events a notice beside them.
absl::StatusOr<NormalizedRequest> Normalize(const InboundRequest& request, TimePoint) {
  if (auto s = VerifySharedSecret("tok", request.Header("X-Token"), "X-Token"); !s.ok()) return s;
  if (request.body == "bad") return absl::InvalidArgumentError("body is not a batch");
  if (request.body == "notice") return NotCustomerTraffic("toy_notice", "a toy account notice");
  NormalizedRequest normalized(std::vector<Event>{});
  for (absl::string_view id : absl::StrSplit(request.body, '\n', absl::SkipEmpty())) {
    if (id == "notice") {
      normalized.dropped.push_back("toy_notice");
    } else {
      normalized.events.emplace_back().set_id(std::string(id));
    }
  }
  return normalized;
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
    options.max_header_bytes = 16 << 10;
    options.max_header_count = 12;
    options.request_timeout = request_timeout_;
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

  std::chrono::milliseconds request_timeout_{10000};
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

// A provider counts a 4xx as a failed delivery and, after many, switches the webhook off: what
// Normalize names as not customer traffic is answered 200, counted by kind, and never published.
TEST_F(WebhookEndpointTest, NotCustomerTrafficIsAnswered200CountedAndNeverPublished) {
  StartEndpoint();
  EXPECT_EQ(PostFor("notice"), std::pair(200, std::string("ok")));
  EXPECT_EQ(PostFor("notice"), std::pair(200, std::string("ok")));
  EXPECT_TRUE(context_.published.empty());
  EXPECT_EQ(endpoint_->Dropped(), (std::map<std::string, int64_t>{{"toy_notice", 2}}));
  EXPECT_TRUE(endpoint_->Rejections().empty());
  // Only after it authenticated: a forged notice is still refused.
  EXPECT_EQ(Post("notice", "wrong"), 403);
  EXPECT_EQ(endpoint_->Dropped().at("toy_notice"), 2);
}

// Meta batches customer messages and notices in one request: the messages are published and
// each notice beside them is counted as a request of notices only is.
TEST_F(WebhookEndpointTest, NoticesBesideMessagesAreCountedAndTheMessagesPublished) {
  StartEndpoint();
  EXPECT_EQ(PostFor("e1\nnotice\ne2\nnotice"), std::pair(200, std::string("ok")));
  EXPECT_EQ(context_.published, (std::vector<std::string>{"e1", "e2"}));
  EXPECT_EQ(endpoint_->Dropped(), (std::map<std::string, int64_t>{{"toy_notice", 2}}));
  EXPECT_EQ(PostFor("notice"), std::pair(200, std::string("ok")));
  EXPECT_EQ(endpoint_->Dropped(), (std::map<std::string, int64_t>{{"toy_notice", 3}}));
  EXPECT_TRUE(endpoint_->Rejections().empty());
}

// Answered 503, the provider sends the whole request again: its notices are counted only then.
TEST_F(WebhookEndpointTest, NoticesBesideUnackedMessagesAreNotCountedYet) {
  context_.ack = false;
  StartEndpoint(std::chrono::milliseconds(100));
  EXPECT_EQ(Post("e1\nnotice"), 503);
  EXPECT_TRUE(endpoint_->Dropped().empty());
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

// The status line and body of a raw answer ("" for none).
std::pair<std::string, std::string> StatusAndBody(const std::string& answer) {
  const size_t line_end = answer.find("\r\n");
  const size_t head_end = answer.find("\r\n\r\n");
  if (line_end == std::string::npos || head_end == std::string::npos) return {answer, ""};
  return {answer.substr(0, line_end), answer.substr(head_end + 4)};
}

// What a request can make the endpoint hold is bounded, and each excess is answered clearly and
// counted: more header fields than max_header_count -> 431; a body beyond max_body_bytes -> 413,
// whether its length is declared, it comes chunked (no Content-Length) or it inflates from gzip;
// a header line or request line beyond cpp-httplib's 8 KiB -> 400 or 414 saying so; a body where
// none belongs (a GET, multipart) is refused before it is read, and so is a method not served.
TEST_F(WebhookEndpointTest, OversizedHeadersAndBodiesAreRefusedWithAClearAnswer) {
  StartEndpoint();
  httplib::Headers many{{"X-Token", "tok"}};
  for (int i = 0; i < 20; ++i) many.emplace("X-Pad-" + std::to_string(i), "1");
  auto too_many = http_->Post("/webhook", many, "e1", "text/plain");
  ASSERT_TRUE(too_many);
  EXPECT_EQ(too_many->status, 431);
  // 20 and the client's own (Host, User-Agent, Content-Type…).
  EXPECT_TRUE(too_many->body.ends_with(" header fields, at most 12")) << too_many->body;

  auto long_line = http_->Post("/webhook", {{"X-Token", "tok"}, {"X-Pad", std::string(9000, 'a')}},
                               "e2", "text/plain");
  ASSERT_TRUE(long_line);
  EXPECT_EQ(long_line->status, 400);
  EXPECT_NE(long_line->body.find("a header line longer than 8192 bytes"), std::string::npos)
      << long_line->body;
  auto long_target = http_->Post(("/webhook?" + std::string(9000, 'a')).c_str(),
                                 {{"X-Token", "tok"}}, "e2", "text/plain");
  ASSERT_TRUE(long_target);
  EXPECT_EQ(long_target->status, 414);
  EXPECT_EQ(long_target->body, "request line longer than 8192 bytes");

  const std::string part(50, 'x');
  auto chunked = http_->Post(
      "/webhook", {{"X-Token", "tok"}},
      [&part](size_t, httplib::DataSink& sink) {
        sink.write(part.data(), part.size());
        sink.write(part.data(), part.size());
        sink.done();
        return true;
      },
      "text/plain");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413);
  EXPECT_EQ(chunked->body, "body exceeds 64 bytes");

  httplib::Client gzip("127.0.0.1", endpoint_->port());
  gzip.set_compress(true);  // 1000 bytes travel as a few dozen
  auto inflated = gzip.Post("/webhook", {{"X-Token", "tok"}}, std::string(1000, 'e'), "text/plain");
  ASSERT_TRUE(inflated);
  EXPECT_EQ(inflated->status, 413);
  EXPECT_EQ(inflated->body, "body exceeds 64 bytes");

  auto get_with_body = http_->Get("/webhook?challenge=42",
                                  {{"Content-Length", "5"}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(get_with_body);
  EXPECT_EQ(get_with_body->status, 400);
  EXPECT_EQ(get_with_body->body, "a GET request carries no body here");
  httplib::MultipartFormDataItems form{{"update", "e4", "", "text/plain"}};
  auto multipart = http_->Post("/webhook", {{"X-Token", "tok"}}, form);
  ASSERT_TRUE(multipart);
  EXPECT_EQ(multipart->status, 415);
  auto put = http_->Put("/webhook", {{"X-Token", "tok"}}, "e5", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "GET, POST");

  EXPECT_EQ(Post("e3"), 200);  // within every bound
  EXPECT_EQ(context_.published, std::vector<std::string>{"e3"});
  const auto rejections = endpoint_->Rejections();
  EXPECT_EQ(rejections.at("headers_too_large"), 1);
  EXPECT_EQ(rejections.at("body_too_large"), 2);
  EXPECT_EQ(rejections.at("bad_request"), 5);  // lines too long, a GET's body, multipart, PUT
}

// The request line and headers are bounded as they arrive: a head beyond max_header_bytes is
// answered 431 while it is still coming (it never has to end), a chunked body's framing counts
// against what may arrive, a declared length above max_body_bytes is refused before the body is
// sent, and a Content-Length that is no number is named.
TEST_F(WebhookEndpointTest, HeadsAndBodiesAreRefusedAsTheyArriveNotOnceTheyEnd) {
  StartEndpoint();
  const std::string request = "POST /webhook HTTP/1.1\r\nHost: x\r\nX-Token: tok\r\n";

  RawConnection endless_head(endpoint_->port());
  ASSERT_TRUE(endless_head.connected());
  std::string head = request;
  for (int i = 0; i < 30; ++i)
    absl::StrAppend(&head, "X-Pad-", i, ": ", std::string(1000, 'a'), "\r\n");
  ASSERT_TRUE(endless_head.Send(head));  // and never the empty line that would end it
  EXPECT_EQ(StatusAndBody(endless_head.ReceiveUntilClosed()),
            std::pair(std::string("HTTP/1.1 431 Request Header Fields Too Large"),
                      std::string("request line and headers exceed 16384 bytes")));

  RawConnection endless_chunk(endpoint_->port());
  ASSERT_TRUE(endless_chunk.Send(request + "Transfer-Encoding: chunked\r\n\r\n1;ext=" +
                                 std::string(20000, 'x')));  // a chunk size line without end
  EXPECT_EQ(StatusAndBody(endless_chunk.ReceiveUntilClosed()),
            std::pair(std::string("HTTP/1.1 413 Payload Too Large"),
                      std::string("body exceeds 16448 bytes as sent")));

  RawConnection declared(endpoint_->port());
  ASSERT_TRUE(declared.Send(request + "Content-Length: 100000\r\n\r\n"));  // and no body
  EXPECT_EQ(StatusAndBody(declared.ReceiveUntilClosed()),
            std::pair(std::string("HTTP/1.1 413 Payload Too Large"),
                      std::string("body exceeds 64 bytes")));

  RawConnection no_number(endpoint_->port());
  ASSERT_TRUE(no_number.Send(request + "Content-Length: 2e1\r\n\r\ne1"));
  EXPECT_EQ(StatusAndBody(no_number.ReceiveUntilClosed()),
            std::pair(std::string("HTTP/1.1 400 Bad Request"),
                      std::string("Content-Length is not a number")));

  EXPECT_TRUE(context_.published.empty());
  const auto rejections = endpoint_->Rejections();
  EXPECT_EQ(rejections.at("headers_too_large"), 1);
  EXPECT_EQ(rejections.at("body_too_large"), 2);
  EXPECT_EQ(rejections.at("bad_request"), 1);
}

// A sender slower than request_timeout is answered 408 and holds no thread beyond it: one that
// trickles its headers a byte at a time (each byte well within any per-read timeout), and one
// whose body stops halfway.
TEST_F(WebhookEndpointTest, SlowSendersAreAnswered408AtTheRequestTimeout) {
  request_timeout_ = std::chrono::milliseconds(500);
  StartEndpoint();
  RawConnection trickle(endpoint_->port());
  ASSERT_TRUE(trickle.connected());
  std::thread sender([&trickle] {
    // Paces the trickle; it ends when the server has answered and closed.
    const std::string head = "POST /webhook HTTP/1.1\r\nX-Token: tok\r\n" + std::string(200, 'a');
    for (char byte : head) {
      if (!trickle.Send(std::string(1, byte))) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const std::string trickle_answer = trickle.ReceiveUntilClosed();
  sender.join();
  EXPECT_EQ(StatusAndBody(trickle_answer),
            std::pair(std::string("HTTP/1.1 408 Request Timeout"),
                      std::string("request not received within 500 ms")));

  RawConnection halfway(endpoint_->port());
  ASSERT_TRUE(
      halfway.Send("POST /webhook HTTP/1.1\r\nX-Token: tok\r\nContent-Length: 10\r\n\r\ne1"));
  EXPECT_EQ(StatusAndBody(halfway.ReceiveUntilClosed()),
            std::pair(std::string("HTTP/1.1 408 Request Timeout"),
                      std::string("request not received within 500 ms")));

  EXPECT_TRUE(context_.published.empty());
  EXPECT_EQ(endpoint_->Rejections().at("request_timeout"), 2);
}

// Stop() does not wait for a sender that is still sending: its request is cut at once.
TEST_F(WebhookEndpointTest, StopCutsARequestStillArriving) {
  StartEndpoint();  // request_timeout 10 s
  RawConnection stalled(endpoint_->port());
  ASSERT_TRUE(
      stalled.Send("POST /webhook HTTP/1.1\r\nX-Token: tok\r\nContent-Length: 10\r\n"
                   "Expect: 100-continue\r\n\r\n"));
  // The 100 answer shows the request is being handled, its body awaited.
  const std::string go_on = "HTTP/1.1 100 Continue\r\n\r\n";
  ASSERT_EQ(stalled.Receive(go_on.size()), go_on);
  const auto before = std::chrono::steady_clock::now();
  endpoint_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  EXPECT_TRUE(context_.published.empty());
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

TEST_F(WebhookEndpointTest, LimitSettingsAreReadAndChecked) {
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
  config.settings = {{"max_header_count", "40"}};
  options = WebhookOptionsFromConfig(config, "/webhook");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_header_count, 40u);
  config.settings = {{"max_header_count", "-"}};
  EXPECT_FALSE(WebhookOptionsFromConfig(config, "/webhook").ok());
  config.settings = {{"max_header_bytes", "65536"}, {"request_timeout_ms", "2500"}};
  options = WebhookOptionsFromConfig(config, "/webhook");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->max_header_bytes, 65536u);
  EXPECT_EQ(options->request_timeout, std::chrono::milliseconds(2500));
  for (const char* bound : {"max_header_bytes", "max_header_count", "request_timeout_ms"}) {
    config.settings = {{bound, "0"}};
    EXPECT_EQ(WebhookOptionsFromConfig(config, "/webhook").status().message(),
              absl::StrCat("connector 't': ", bound, " must be above 0"));
  }
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
