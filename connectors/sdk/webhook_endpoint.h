// WebhookEndpoint: the HTTP side every webhook channel shares. It listens on a configured address,
// hands each POST to the channel's Normalize (the same code `omni-gateway normalize` runs) as the
// raw InboundRequest, publishes every resulting event and answers the provider:
//   200 "ok" once the broker acked ALL events (a crash before that makes the provider retry),
//   and when the broker refused one for good (retrying cannot help; counted and logged);
//   503 when the acks did not come in time or nothing could be queued (the provider retries);
//   403 when Normalize failed with UNAUTHENTICATED / PERMISSION_DENIED (bad signature or secret);
//   200 without publishing when Normalize says the request is not customer traffic
//   (not_customer_traffic.h: a provider's account or status notice), counted by kind in Dropped();
//   the notices a request carries beside customer messages (NormalizedRequest::dropped) are
//   counted there too, once the request is answered 200;
//   400 for any other Normalize failure;
//   413 when the body exceeds max_body_bytes: a declared length before the body is read, a chunked
//   or compressed body as it arrives (the bytes Normalize would see);
//   431 beyond max_header_bytes of request line and headers (refused as they arrive) or beyond
//   max_header_count header fields; 408 when a request has not fully arrived request_timeout after
//   its connection opened (slow senders hold no thread for long); the server's own refusals (a
//   request target or header line beyond 8 KiB, a malformed request line or body) get a text that
//   says so; other methods than GET and POST 405, a body on a GET 400, a multipart body 415;
//   429 with Retry-After beyond a rate limit, of which there are two, so that junk cannot starve
//   the provider: the provider's (rate_limit_per_second, a token bucket holding rate_limit_burst
//   requests), spent only by requests that authenticated (Normalize succeeded), and one per remote
//   address (unauthenticated_rate_limit_per_second / _burst) for everything that proves nothing
//   about its sender: each GET, and each POST that failed Normalize or was too large. An address
//   out of tokens is refused before its body is read.
// Every rejection is counted by reason (see Rejections()), never routed; those of the bounds above
// are also logged (at most a line a minute, saying how many more were held back). GET requests
// (Meta's hub.challenge, X's CRC) go to an optional handshake function. Providers that handshake
// with a POST whose answer is a body of their choosing (VK's "confirmation" wants the configured
// string back) give an optional post handshake, tried on every POST before Normalize (a refused one
// is charged to its address, an answered one to the provider). Providers whose answer carries
// instructions (Twilio's TwiML) give an optional respond function that chooses the 200's body
// once the broker acked every event, so the instructions follow what was stored.
//
// One request per connection: what is left unread after a refusal is never taken for a request.
//
// Threads: cpp-httplib's pool, started in Start() and joined in Stop(), which cuts the requests
// still arriving rather than wait for them.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "base/log_throttle.h"
#include "base/token_bucket.h"
#include "connectors/sdk/address_rate_limiter.h"
#include "connectors/sdk/connector.h"

namespace httplib {
class ContentReader;
struct Request;
struct Response;
}  // namespace httplib

namespace omni {
class BoundedHttpServer;
}  // namespace omni

namespace omni::connectors {

// cpp-httplib's own bound on the request line and each header line (CPPHTTPLIB_HEADER_MAX_LENGTH,
// CPPHTTPLIB_REQUEST_URI_MAX_LENGTH), fixed when the library was built.
inline constexpr size_t kMaxLineBytes = 8192;

struct WebhookOptions {
  std::string host = "127.0.0.1";
  int port = 0;                  // 0 = any free port; see port()
  std::string path = "/webhook";  // where the provider POSTs (and GETs its handshake)
  // More paths whose POSTs are handled the same way (Twilio's wait and Dial action URLs).
  std::vector<std::string> more_paths;
  size_t max_body_bytes = 1 << 20;
  // The request line and headers together (431 beyond, refused before the rest is read), and how
  // many header fields (431 beyond). cpp-httplib itself bounds each line at kMaxLineBytes.
  size_t max_header_bytes = 32 << 10;
  size_t max_header_count = 100;
  // A request must have arrived whole (line, headers, body) this long after its connection opened
  // (408 beyond).
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds ack_wait{10000};
  // Authenticated POSTs per second this connector takes (0 = no limit) and how many may come at
  // once.
  int64_t rate_limit_per_second = 0;
  int64_t rate_limit_burst = 0;  // 0 = one second's worth
  // Per remote address, for requests that prove nothing about their sender (GETs, POSTs that
  // failed to authenticate or parse): how many a second (0 = no limit) and how many at once.
  int64_t unauthenticated_rate_limit_per_second = 1;
  int64_t unauthenticated_rate_limit_burst = 20;
};

// Reads listen (host:port, default 127.0.0.1:8080), path (default `default_path`),
// max_body_bytes, max_header_bytes, max_header_count, request_timeout_ms, ack_wait_ms,
// rate_limit_per_second, rate_limit_burst, unauthenticated_rate_limit_per_second and
// unauthenticated_rate_limit_burst from a connector's settings; each a non-negative integer, the
// header bounds and the timeout above zero.
absl::StatusOr<WebhookOptions> WebhookOptionsFromConfig(const ConnectorConfig& config,
                                                        const std::string& default_path);

// What Normalize made of a request: the events to publish and, for a provider that batches, the
// kinds of the notices it dropped beside them (a WhatsApp body with a message and an
// account_update). A request of notices only is NotCustomerTraffic instead.
struct NormalizedRequest {
  NormalizedRequest(std::vector<omnibroker::v1::Event> events,  // NOLINT: a channel's events
                    std::vector<std::string> dropped = {})
      : events(std::move(events)), dropped(std::move(dropped)) {}

  std::vector<omnibroker::v1::Event> events;
  std::vector<std::string> dropped;  // one kind per notice, from the channel's list
};

// The channel's inbound path: authenticate and parse, no I/O (a ConnectorFactory::Normalize bound
// to its config, which may return the events alone).
using NormalizeFn =
    std::function<absl::StatusOr<NormalizedRequest>(const InboundRequest& request, TimePoint now)>;

// What to answer a GET: the body to send with 200 (as application/json when it is a JSON object,
// else text/plain), or an error (answered 403).
using HandshakeFn = std::function<absl::StatusOr<std::string>(const InboundRequest& request)>;

// Whether a POST is a handshake: the exact body to answer it with 200 (nothing is published), or
// nullopt for an ordinary delivery that goes on to Normalize. An error is answered 403 when it is
// UNAUTHENTICATED / PERMISSION_DENIED, else 400, and counted as "handshake". It must authenticate
// the request itself, as Normalize does.
using PostHandshakeFn =
    std::function<absl::StatusOr<std::optional<std::string>>(const InboundRequest& request)>;

// The 200 answer to a delivery whose events the broker acked.
struct WebhookAnswer {
  std::string body;
  std::string content_type;
};

// Chooses that answer from the request and the events Normalize made of it (all acked). Without
// one a delivery is answered "ok" as text/plain.
using RespondFn = std::function<WebhookAnswer(const InboundRequest& request,
                                              const std::vector<omnibroker::v1::Event>& events)>;

class WebhookEndpoint {
 public:
  WebhookEndpoint(WebhookOptions options, NormalizeFn normalize, HandshakeFn handshake = nullptr,
                  PostHandshakeFn post_handshake = nullptr, RespondFn respond = nullptr);
  ~WebhookEndpoint();

  absl::Status Start(ConnectorContext& context);
  void Stop();
  // The bound port (useful with port 0). Valid after Start().
  int port() const { return bound_port_; }
  // Rejected requests so far, by reason: "unauthenticated", "malformed" (other Normalize
  // failures), "body_too_large", "headers_too_large", "request_timeout", "bad_request" (a request
  // line, header line or body that cannot be read, another method than GET or POST, a body on a
  // GET, a multipart body), "broker_rejected", "ack_timeout", "not_queued", "handshake" (a
  // refused GET or post handshake), "rate_limited", "unauthenticated_rate_limited" (one address
  // beyond its unauthenticated budget).
  std::map<std::string, int64_t> Rejections() const;
  // Notices answered 200 and dropped as not customer traffic so far, by kind: a request of
  // notices only, and each notice beside the customer messages of a request.
  std::map<std::string, int64_t> Dropped() const;

 private:
  void Count(const std::string& reason);
  void CountDropped(const std::string& kind);
  // A request refused for what it is (its size, its shape, its slowness): counted as `reason` and
  // logged (throttled); charging its address is the caller's. Refuse also answers `res`.
  void NoteRefusal(const std::string& reason, int status, std::string_view why,
                   const std::string& address, TimePoint now);
  void Refuse(httplib::Response& res, const std::string& reason, int status, std::string_view why,
              const std::string& address, TimePoint now);
  // The budget of requests that prove nothing about their sender, per remote address. A GET
  // takes a token before it is handled; a POST is only checked before its body is read
  // (MayBeHeard) and charged once it failed to authenticate. Both answer `res` 429 and return
  // false when the address has no token left.
  bool TakeUnauthenticated(const std::string& address, TimePoint now, httplib::Response& res);
  bool MayBeHeard(const std::string& address, TimePoint now, httplib::Response& res);
  void ChargeUnauthenticated(const std::string& address, TimePoint now);
  void ReplyUnauthenticatedLimited(const std::string& address, Duration wait,
                                   httplib::Response& res);
  // Whether a request is heard at all, decided before its body is read (its sender's budget, its
  // method and path, its header count, its declared length); else `res` says why and false.
  bool Admit(const httplib::Request& req, TimePoint now, httplib::Response& res);
  // Gives a refusal the HTTP server made itself (400 of an unreadable request line or header, 414)
  // the text that says why, counts and logs it; false for any other answer.
  bool ExplainServerRefusal(const httplib::Request& req, TimePoint now, httplib::Response& res);
  bool IsWebhookPath(const std::string& path) const;
  // A POST's body as it arrives (chunked, or inflated from gzip): RESOURCE_EXHAUSTED beyond
  // max_body_bytes (or beyond what the server lets arrive), DEADLINE_EXCEEDED when it did not
  // arrive within request_timeout, INVALID_ARGUMENT when it cannot be read.
  absl::StatusOr<std::string> ReadBody(const httplib::ContentReader& content) const;
  // The provider's own limit, taken by authenticated requests only; false with `res` answered
  // 429 when there is no token.
  bool TakeProviderToken(TimePoint now, httplib::Response& res);

  const WebhookOptions options_;
  const NormalizeFn normalize_;
  const HandshakeFn handshake_;
  const PostHandshakeFn post_handshake_;
  const RespondFn respond_;
  std::unique_ptr<TokenBucket> rate_limiter_;  // null = no limit
  std::unique_ptr<AddressRateLimiter> unauthenticated_limiter_;  // null = no limit
  std::unique_ptr<BoundedHttpServer> server_;
  std::thread server_thread_;
  int bound_port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, int64_t> rejections_;
  std::map<std::string, int64_t> dropped_;
  LogThrottle refusals_log_{std::chrono::minutes(1)};
};

}  // namespace omni::connectors
