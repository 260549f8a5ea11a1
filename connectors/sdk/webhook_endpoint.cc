#include "connectors/sdk/webhook_endpoint.h"

#include <httplib.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/http_server.h"
#include "base/log.h"
#include "base/strings.h"
#include "connectors/sdk/publish_all.h"
#include "connectors/sdk/redact.h"

namespace omni::connectors {
namespace {

InboundRequest ToInbound(const httplib::Request& req) {
  InboundRequest in;
  in.method = req.method;
  in.path = req.target.empty() ? req.path : req.target;
  for (const auto& [name, value] : req.headers) in.headers.emplace_back(name, value);
  in.body = req.body;
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

std::map<std::string, int64_t> WebhookEndpoint::Rejections() const {
  std::lock_guard lock(mu_);
  return rejections_;
}

absl::Status WebhookEndpoint::Start(ConnectorContext& context) {
  server_ = std::make_unique<httplib::Server>();
  // A declared oversized body is refused before it is read, and counted; the server's own limit
  // is the backstop for bodies without Content-Length.
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_pre_routing_handler([this, &context](const httplib::Request& req,
                                                    httplib::Response& res) {
    // Before the body is read. Anyone may send a GET, and its answer may be a MAC under the
    // provider's secret (X's CRC): each takes a token of its address's budget. A POST is only
    // checked here, and charged once it failed to authenticate.
    const TimePoint now = context.clock().Now();
    const bool post = req.method == "POST";
    if (!(post ? MayBeHeard(req.remote_addr, now, res)
               : TakeUnauthenticated(req.remote_addr, now, res))) {
      return httplib::Server::HandlerResponse::Handled;
    }
    size_t length = 0;
    if (req.has_header("Content-Length") &&
        absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) &&
        length > options_.max_body_bytes) {
      if (post) ChargeUnauthenticated(req.remote_addr, now);
      Count("body_too_large");
      Reply(res, 413, absl::StrCat("body exceeds ", options_.max_body_bytes, " bytes"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  const httplib::Server::Handler deliver = [this, &context](const httplib::Request& req,
                                                            httplib::Response& res) {
    const InboundRequest inbound = ToInbound(req);
    const TimePoint now = context.clock().Now();
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
    auto events = normalize_(inbound, now);
    if (!events.ok()) {
      // Nothing proves who sent it (a channel that authenticates inside the body cannot tell a
      // malformed body from a forged one): the sender's address pays, never the provider.
      ChargeUnauthenticated(req.remote_addr, now);
      const bool auth = IsAuthFailure(events.status().code());
      Count(auth ? "unauthenticated" : "malformed");
      return Reply(res, auth ? 403 : 400, ToStd(events.status().message()));
    }
    if (!TakeProviderToken(now, res)) return;
    // The respond function sees the events after PublishAll consumed them.
    const std::vector<omnibroker::v1::Event> published =
        respond_ ? *events : std::vector<omnibroker::v1::Event>();
    const PublishOutcome outcome = PublishAll(context, *std::move(events), options_.ack_wait);
    switch (outcome.kind) {
      case PublishOutcome::Kind::kAcked: {
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
        LogWarning("webhook", RedactSecrets(absl::StrCat(options_.path, ": broker rejected: ",
                                                         outcome.message)));
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
      auto answer = handshake_(ToInbound(req));
      if (!answer.ok()) {
        Count("handshake");
        return Reply(res, 403, ToStd(answer.status().message()));
      }
      // X's CRC answer is a JSON object and must be served as JSON; Meta's hub.challenge is text.
      res.status = 200;
      res.set_content(*answer, answer->starts_with("{") ? "application/json" : "text/plain");
    });
  }
  bound_port_ = options_.port == 0 ? server_->bind_to_any_port(options_.host)
                : server_->bind_to_port(options_.host, options_.port) ? options_.port
                                                                      : -1;
  if (bound_port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("webhook: cannot listen on ", options_.host, ":", options_.port));
  }
  return ListenInBackground(*server_, server_thread_);
}

void WebhookEndpoint::Stop() {
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
}

}  // namespace omni::connectors
