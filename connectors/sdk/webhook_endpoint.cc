#include "connectors/sdk/webhook_endpoint.h"

#include <httplib.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/bounded_http_server.h"
#include "base/http_server.h"
#include "base/log.h"
#include "base/strings.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/sdk/publish_all.h"
#include "connectors/sdk/redact.h"

namespace omni::connectors {
namespace {

InboundRequest ToInbound(const httplib::Request& req, std::string body) {
  InboundRequest in;
  in.method = req.method;
  in.path = req.target.empty() ? req.path : req.target;
  for (const auto& [name, value] : req.headers) in.headers.emplace_back(name, value);
  in.body = std::move(body);
  return in;
}

void Reply(httplib::Response& res, int status, std::string_view text) {
  res.status = status;
  res.set_content(std::string(text), "text/plain");
}

// 429 with Retry-After in whole seconds, rounded up: a sender that waits this long finds a token.
void ReplyTooMany(httplib::Response& res, Duration wait, std::string_view what) {
  const int64_t seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
  res.set_header("Retry-After", std::to_string(seconds));
  Reply(res, 429, absl::StrCat(ToAbsl(what), "; retry after ", seconds, " s"));
}

// The header fields the client sent: cpp-httplib adds the peer's and its own address as headers.
size_t SentHeaderCount(const httplib::Request& req) {
  size_t count = req.headers.size();
  for (const char* added : {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"}) {
    count -= req.headers.count(added);
  }
  return count;
}

// A setting that bounds requests: 0 would refuse every one.
absl::StatusOr<int64_t> GetBound(const ConnectorConfig& config, const std::string& key,
                                 int64_t fallback) {
  auto value = config.GetInt(key, fallback);
  if (value.ok() && *value == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "': ", key, " must be above 0"));
  }
  return value;
}

bool IsAuthFailure(absl::StatusCode code) {
  return code == absl::StatusCode::kUnauthenticated || code == absl::StatusCode::kPermissionDenied;
}

}  // namespace

absl::StatusOr<WebhookOptions> WebhookOptionsFromConfig(const ConnectorConfig& config,
                                                        const std::string& default_path) {
  WebhookOptions options;
  if (auto s = config.GetListen("listen", "127.0.0.1:8080", options.host, options.port); !s.ok()) {
    return s;
  }
  options.path = config.Get("path", default_path);
  if (!options.path.starts_with("/")) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "': path must start with '/'"));
  }
  auto max_body = config.GetInt("max_body_bytes", options.max_body_bytes);
  if (!max_body.ok()) return max_body.status();
  options.max_body_bytes = *max_body;
  auto header_bytes = GetBound(config, "max_header_bytes", options.max_header_bytes);
  if (!header_bytes.ok()) return header_bytes.status();
  options.max_header_bytes = *header_bytes;
  auto header_count = GetBound(config, "max_header_count", options.max_header_count);
  if (!header_count.ok()) return header_count.status();
  options.max_header_count = *header_count;
  auto request_timeout = GetBound(config, "request_timeout_ms", options.request_timeout.count());
  if (!request_timeout.ok()) return request_timeout.status();
  options.request_timeout = std::chrono::milliseconds(*request_timeout);
  auto ack_wait = config.GetInt("ack_wait_ms", options.ack_wait.count());
  if (!ack_wait.ok()) return ack_wait.status();
  options.ack_wait = std::chrono::milliseconds(*ack_wait);
  auto rate = config.GetInt("rate_limit_per_second", options.rate_limit_per_second);
  if (!rate.ok()) return rate.status();
  options.rate_limit_per_second = *rate;
  auto burst = config.GetInt("rate_limit_burst", options.rate_limit_burst);
  if (!burst.ok()) return burst.status();
  if (*burst > 0 && *rate == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': rate_limit_burst needs rate_limit_per_second"));
  }
  options.rate_limit_burst = *burst;
  auto unauthenticated_rate = config.GetInt("unauthenticated_rate_limit_per_second",
                                            options.unauthenticated_rate_limit_per_second);
  if (!unauthenticated_rate.ok()) return unauthenticated_rate.status();
  options.unauthenticated_rate_limit_per_second = *unauthenticated_rate;
  auto unauthenticated_burst =
      config.GetInt("unauthenticated_rate_limit_burst", options.unauthenticated_rate_limit_burst);
  if (!unauthenticated_burst.ok()) return unauthenticated_burst.status();
  options.unauthenticated_rate_limit_burst = *unauthenticated_burst;
  return options;
}

WebhookEndpoint::WebhookEndpoint(WebhookOptions options, NormalizeFn normalize,
                                 HandshakeFn handshake, PostHandshakeFn post_handshake,
                                 RespondFn respond)
    : options_(std::move(options)),
      normalize_(std::move(normalize)),
      handshake_(std::move(handshake)),
      post_handshake_(std::move(post_handshake)),
      respond_(std::move(respond)) {
  if (options_.rate_limit_per_second > 0) {
    rate_limiter_ = std::make_unique<TokenBucket>(
        options_.rate_limit_per_second,
        options_.rate_limit_burst > 0 ? options_.rate_limit_burst : options_.rate_limit_per_second);
  }
  if (options_.unauthenticated_rate_limit_per_second > 0) {
    unauthenticated_limiter_ = std::make_unique<AddressRateLimiter>(
        options_.unauthenticated_rate_limit_per_second,
        std::max<int64_t>(1, options_.unauthenticated_rate_limit_burst));
  }
}

WebhookEndpoint::~WebhookEndpoint() { Stop(); }

bool WebhookEndpoint::TakeUnauthenticated(const std::string& address, TimePoint now,
                                          httplib::Response& res) {
  if (!unauthenticated_limiter_) return true;
  auto wait = unauthenticated_limiter_->TryTake(address, now);
  if (!wait) return true;
  ReplyUnauthenticatedLimited(address, *wait, res);
  return false;
}

bool WebhookEndpoint::MayBeHeard(const std::string& address, TimePoint now,
                                 httplib::Response& res) {
  if (!unauthenticated_limiter_) return true;
  auto wait = unauthenticated_limiter_->Wait(address, now);
  if (!wait) return true;
  ReplyUnauthenticatedLimited(address, *wait, res);
  return false;
}

void WebhookEndpoint::ChargeUnauthenticated(const std::string& address, TimePoint now) {
  // Already answered (403 or 400): an address out of tokens is refused from its next request.
  if (unauthenticated_limiter_) unauthenticated_limiter_->TryTake(address, now);
}

void WebhookEndpoint::ReplyUnauthenticatedLimited(const std::string& address, Duration wait,
                                                  httplib::Response& res) {
  Count("unauthenticated_rate_limited");
  ReplyTooMany(res, wait,
               absl::StrCat("too many unauthenticated requests from ", address, " (limit ",
                            options_.unauthenticated_rate_limit_per_second, " per second)"));
}

bool WebhookEndpoint::TakeProviderToken(TimePoint now, httplib::Response& res) {
  if (!rate_limiter_) return true;
  auto wait = rate_limiter_->TryTake(now);
  if (!wait) return true;
  Count("rate_limited");
  ReplyTooMany(res, *wait,
               absl::StrCat("rate limit of ", options_.rate_limit_per_second,
                            " requests per second exceeded"));
  return false;
}

void WebhookEndpoint::Count(const std::string& reason) {
  std::lock_guard lock(mu_);
  ++rejections_[reason];
}

void WebhookEndpoint::CountDropped(const std::string& kind) {
  std::lock_guard lock(mu_);
  ++dropped_[kind];
}

std::map<std::string, int64_t> WebhookEndpoint::Dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

std::map<std::string, int64_t> WebhookEndpoint::Rejections() const {
  std::lock_guard lock(mu_);
  return rejections_;
}

void WebhookEndpoint::NoteRefusal(const std::string& reason, int status, std::string_view why,
                                  const std::string& address, TimePoint now) {
  Count(reason);
  if (auto more = refusals_log_.Admit(now)) {
    const std::string to = address.empty() ? "" : absl::StrCat(" to ", address);
    LogWarning("webhook", RedactSecrets(absl::StrCat(options_.path, ": refused ", status, to, ": ",
                                                     ToAbsl(why), *more)));
  }
}

void WebhookEndpoint::Refuse(httplib::Response& res, const std::string& reason, int status,
                             std::string_view why, const std::string& address, TimePoint now) {
  NoteRefusal(reason, status, why, address, now);
  Reply(res, status, why);
}

bool WebhookEndpoint::IsWebhookPath(const std::string& path) const {
  return path == options_.path || std::find(options_.more_paths.begin(), options_.more_paths.end(),
                                            path) != options_.more_paths.end();
}

bool WebhookEndpoint::Admit(const httplib::Request& req, TimePoint now, httplib::Response& res) {
  // Anyone may send a GET, and its answer may be a MAC under the provider's secret (X's CRC):
  // each takes a token of its address's budget. A POST is only checked here, and charged once it
  // failed to authenticate or is refused below.
  const std::string& address = req.remote_addr;
  const bool post = req.method == "POST";
  if (!(post ? MayBeHeard(address, now, res) : TakeUnauthenticated(address, now, res))) {
    return false;
  }
  // Past this point the server reads a body on its own, unbounded when chunked, for any request
  // the POST handlers below do not read themselves: refuse those first.
  if (!IsWebhookPath(req.path)) {
    Reply(res, 404, absl::StrCat("no webhook at ", RedactSecrets(req.path)));
    return false;
  }
  // Refused for what it is: a POST pays with its address's budget, as a GET has already.
  const auto refuse = [&](const std::string& reason, int status, std::string_view why) {
    if (post) ChargeUnauthenticated(address, now);
    Refuse(res, reason, status, why, address, now);
    return false;
  };
  if (!post && req.method != "GET") {
    res.set_header("Allow", "GET, POST");
    return refuse("bad_request", 405,
                  absl::StrCat(req.method, " is not answered here, only GET and POST"));
  }
  if (const size_t count = SentHeaderCount(req); count > options_.max_header_count) {
    return refuse(
        "headers_too_large", 431,
        absl::StrCat("request has ", count, " header fields, at most ", options_.max_header_count));
  }
  const bool has_body =
      req.has_header("Transfer-Encoding") ||
      (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
  if (!post) {
    return has_body ? refuse("bad_request", 400, "a GET request carries no body here") : true;
  }
  if (req.is_multipart_form_data()) {
    return refuse("bad_request", 415, "a webhook body is not multipart/form-data");
  }
  if (!req.has_header("Content-Length")) return true;
  size_t length = 0;
  if (!absl::SimpleAtoi(req.get_header_value("Content-Length"), &length)) {
    return refuse("bad_request", 400, "Content-Length is not a number");
  }
  if (length > options_.max_body_bytes) {
    return refuse("body_too_large", 413,
                  absl::StrCat("body exceeds ", options_.max_body_bytes, " bytes"));
  }
  return true;
}

absl::StatusOr<std::string> WebhookEndpoint::ReadBody(const httplib::ContentReader& content) const {
  std::string body;
  bool too_large = false;
  const bool read = content([&](const char* data, size_t size) {
    too_large = body.size() + size > options_.max_body_bytes;
    if (!too_large) body.append(data, size);
    return !too_large;
  });
  if (too_large) {
    return absl::ResourceExhaustedError(
        absl::StrCat("body exceeds ", options_.max_body_bytes, " bytes"));
  }
  if (read) return body;
  // A bound of the server's (the time, the bytes as sent) or the body's own fault.
  if (absl::Status stopped = BoundedHttpServer::BodyStopped(); !stopped.ok()) return stopped;
  return absl::InvalidArgumentError("the body could not be read (malformed or cut short)");
}

bool WebhookEndpoint::ExplainServerRefusal(const httplib::Request& req, TimePoint now,
                                           httplib::Response& res) {
  // Ours always say why; what the server refuses itself comes without a body.
  if (!res.body.empty()) return false;
  switch (res.status) {
    case 400:  // the server could not read the request line or a header line
      Refuse(res, "bad_request", 400,
             absl::StrCat("bad request: a malformed request line, or a header line longer than ",
                          kMaxLineBytes, " bytes"),
             req.remote_addr, now);
      return true;
    case 414:
      Refuse(res, "bad_request", 414,
             absl::StrCat("request line longer than ", kMaxLineBytes, " bytes"), req.remote_addr,
             now);
      return true;
    default:
      return false;
  }
}

absl::Status WebhookEndpoint::Start(ConnectorContext& context) {
  RequestBounds bounds;
  bounds.max_head_bytes = options_.max_header_bytes;
  // Room for a chunked body's framing (sizes, extensions, trailers) as large as the headers'.
  bounds.max_body_wire_bytes = options_.max_body_bytes + options_.max_header_bytes;
  bounds.timeout = options_.request_timeout;
  // Refused before any handler ran: the request line and headers too large, or too slow.
  auto refused = [this, &context](int status, const std::string& why, const std::string& address) {
    const TimePoint now = context.clock().Now();
    ChargeUnauthenticated(address, now);
    NoteRefusal(status == 408 ? "request_timeout" : "headers_too_large", status, why, address, now);
  };
  server_ = std::make_unique<BoundedHttpServer>(bounds, std::move(refused));
  // A declared oversized body is refused before it is read (Admit), any other as it is read
  // (ReadBody); the server's own limit is a backstop.
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [this, &context](const httplib::Request& req, httplib::Response& res) {
        return ExplainServerRefusal(req, context.clock().Now(), res)
                   ? httplib::Server::HandlerResponse::Handled
                   : httplib::Server::HandlerResponse::Unhandled;
      }));
  server_->set_pre_routing_handler(
      [this, &context](const httplib::Request& req, httplib::Response& res) {
        return Admit(req, context.clock().Now(), res) ? httplib::Server::HandlerResponse::Unhandled
                                                      : httplib::Server::HandlerResponse::Handled;
      });
  // POST bodies are read here, not by the server, which bounds neither a chunked body nor what a
  // compressed one inflates to: max_body_bytes holds for the bytes Normalize would see.
  const httplib::Server::HandlerWithContentReader deliver =
      [this, &context](const httplib::Request& req, httplib::Response& res,
                       const httplib::ContentReader& content) {
        const TimePoint now = context.clock().Now();
        auto body = ReadBody(content);
        if (!body.ok()) {
          const absl::Status& why = body.status();
          if (absl::IsUnavailable(why)) return Reply(res, 503, ToStd(why.message()));  // stopping
          ChargeUnauthenticated(req.remote_addr, now);
          if (absl::IsResourceExhausted(why)) {
            return Refuse(res, "body_too_large", 413, ToStd(why.message()), req.remote_addr, now);
          }
          if (absl::IsDeadlineExceeded(why)) {
            return Refuse(res, "request_timeout", 408, ToStd(why.message()), req.remote_addr, now);
          }
          return Refuse(res, "bad_request", 400, ToStd(why.message()), req.remote_addr, now);
        }
        const InboundRequest inbound = ToInbound(req, *std::move(body));
        if (post_handshake_) {
          auto answer = post_handshake_(inbound);
          if (!answer.ok()) {
            Count("handshake");
            ChargeUnauthenticated(req.remote_addr, now);
            return Reply(res, IsAuthFailure(answer.status().code()) ? 403 : 400,
                         ToStd(answer.status().message()));
          }
          if (answer->has_value()) {
            if (!TakeProviderToken(now, res)) return;
            return Reply(res, 200, **answer);
          }
        }
        auto normalized = normalize_(inbound, now);
        if (std::optional<std::string> kind =
                normalized.ok() ? std::nullopt : NotCustomerTrafficKind(normalized.status())) {
          // Authenticated and understood, just not for an agent: acknowledged, never refused.
          if (!TakeProviderToken(now, res)) return;
          CountDropped(*kind);
          return Reply(res, 200, "ok");
        }
        if (!normalized.ok()) {
          // Nothing proves who sent it (a channel that authenticates inside the body cannot tell a
          // malformed body from a forged one): the sender's address pays, never the provider.
          ChargeUnauthenticated(req.remote_addr, now);
          const bool auth = IsAuthFailure(normalized.status().code());
          Count(auth ? "unauthenticated" : "malformed");
          return Reply(res, auth ? 403 : 400, ToStd(normalized.status().message()));
        }
        if (!TakeProviderToken(now, res)) return;
        std::vector<omnibroker::v1::Event>* events = &normalized->events;
        // Counted once the request is answered 200: a 503 makes the provider send them again.
        const auto count_dropped = [&] {
          for (const std::string& kind : normalized->dropped) CountDropped(kind);
        };
        // The respond function sees the events after PublishAll consumed them.
        const std::vector<omnibroker::v1::Event> published =
            respond_ ? *events : std::vector<omnibroker::v1::Event>();
        const PublishOutcome outcome = PublishAll(context, std::move(*events), options_.ack_wait);
        switch (outcome.kind) {
          case PublishOutcome::Kind::kAcked: {
            count_dropped();
            if (!respond_) return Reply(res, 200, "ok");
            WebhookAnswer answer = respond_(inbound, published);
            res.status = 200;
            res.set_content(std::move(answer.body), answer.content_type);
            return;
          }
          case PublishOutcome::Kind::kRejected:
            // Retrying the same bytes cannot help, so the provider is told it arrived, in the words
            // it expects (VK retries anything but "ok"); the reason is logged, not answered.
            Count("broker_rejected");
            count_dropped();
            LogWarning("webhook", RedactSecrets(absl::StrCat(
                                      options_.path, ": broker rejected: ", outcome.message)));
            return Reply(res, 200, "ok");
          case PublishOutcome::Kind::kTimeout:
            Count("ack_timeout");
            return Reply(res, 503, outcome.message);
          case PublishOutcome::Kind::kNotQueued:
            Count("not_queued");
            return Reply(res, 503, outcome.message);
        }
      };
  server_->Post(options_.path, deliver);
  for (const std::string& path : options_.more_paths) server_->Post(path, deliver);
  if (handshake_) {
    server_->Get(options_.path, [this](const httplib::Request& req, httplib::Response& res) {
      auto answer = handshake_(ToInbound(req, ""));
      if (!answer.ok()) {
        Count("handshake");
        return Reply(res, 403, ToStd(answer.status().message()));
      }
      // X's CRC answer is a JSON object and must be served as JSON; Meta's hub.challenge is text.
      res.status = 200;
      res.set_content(*answer, answer->starts_with("{") ? "application/json" : "text/plain");
    });
  }
  bound_port_ = BindServer(*server_, options_.host, options_.port);
  if (bound_port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("webhook: cannot listen on ", options_.host, ":", options_.port));
  }
  return ListenInBackground(*server_, server_thread_);
}

void WebhookEndpoint::Stop() {
  if (server_) server_->Shutdown();
  if (server_thread_.joinable()) server_thread_.join();
}

}  // namespace omni::connectors
