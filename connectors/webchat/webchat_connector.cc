#include "connectors/webchat/webchat_connector.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/http_server.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/publish_all.h"
#include "connectors/webchat/redact.h"
#include "connectors/webchat/sse.h"
#include "connectors/webchat/widget_assets.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

std::string Rfc3339(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime(absl::RFC3339_full, absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos()),
                          absl::UTCTimeZone());
}

// The page may load only its own scripts and talk only to this connector.
constexpr char kDemoPagePolicy[] =
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; "
    "style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// How long a client turned away for lack of a listening slot waits before it asks again.
constexpr std::chrono::seconds kBusyRetryAfter{5};
// How long a registration refused for want of room waits: profiles free up only as visitors go
// idle, so asking again at once would not help.
constexpr std::chrono::seconds kFullRetryAfter{60};
// Stream tickets out at once, in all: each is a few dozen bytes for at most stream_ticket_ttl.
constexpr size_t kMaxStreamTickets = 10000;

// Sets Retry-After to `wait` in whole seconds, rounded up (at least 1): a client that waits this
// long is not refused again for the same reason. The seconds.
int64_t SetRetryAfter(httplib::Response& res, Duration wait) {
  const int64_t seconds =
      std::max<int64_t>(1, std::chrono::ceil<std::chrono::seconds>(wait).count());
  res.set_header("Retry-After", std::to_string(seconds));
  return seconds;
}

// `body` with a fresh token for `visitor_id`: every answer to a visitor carries one, so the
// token's lifetime slides with the visitor's activity.
json WithToken(json body, const VisitorTokens& tokens, const std::string& visitor_id,
               TimePoint now) {
  body["token"] = tokens.Issue(visitor_id, now);
  return body;
}

void ServeAsset(httplib::Response& res, std::string_view body, const char* type,
                const char* cache_control) {
  res.set_header("Cache-Control", cache_control);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(std::string(body), type);
}

}  // namespace

absl::StatusOr<std::unique_ptr<WebChatConnector>> WebChatConnector::Create(WebChatOptions options) {
  if (options.max_listeners < 1 || options.max_listeners >= options.http_threads) {
    return absl::InvalidArgumentError(
        absl::StrCat("webchat max_listeners (", options.max_listeners,
                     ") must be at least 1 and below ", "http_threads (", options.http_threads,
                     "): the other threads serve registrations and messages"));
  }
  if (options.max_listeners_per_visitor < 1) {
    return absl::InvalidArgumentError("webchat max_listeners_per_visitor must be at least 1");
  }
  if (options.max_visitors < 1 || options.visitor_idle_expiry <= Duration::zero()) {
    return absl::InvalidArgumentError(
        "webchat max_visitors and visitor_idle_days must be at least 1");
  }
  auto tokens = VisitorTokens::Create(options.secret, options.token_ttl);
  if (!tokens.ok()) return tokens.status();
  return std::unique_ptr<WebChatConnector>(
      new WebChatConnector(std::move(options), std::move(tokens).value()));
}

WebChatConnector::WebChatConnector(WebChatOptions options, VisitorTokens tokens)
    : options_(std::move(options)),
      tokens_(std::move(tokens)),
      listeners_(options_.max_listeners, options_.max_listeners_per_visitor),
      registrations_(options_.registration_rates),
      visitors_(options_.max_visitors, options_.visitor_idle_expiry),
      tickets_(options_.stream_ticket_ttl, kMaxStreamTickets, options_.max_listeners_per_visitor) {}

WebChatConnector::~WebChatConnector() { Stop(); }

absl::Status WebChatConnector::Start(ConnectorContext& context) {
  context_ = &context;
  server_ = std::make_unique<httplib::Server>();
  server_->set_payload_max_length(options_.max_body_bytes);
  // One request per connection: cpp-httplib keeps a pool thread on an idle keep-alive connection
  // (up to 5 s), so keep-alive would let idle pages, or a client refused a stream, hold threads.
  server_->set_keep_alive_max_count(1);
  server_->new_task_queue = [threads = options_.http_threads] {
    return new httplib::ThreadPool(threads);  // cpp-httplib takes ownership
  };
  server_->Post("/v1/visitors", [this](const auto& req, auto& res) { HandleRegister(req, res); });
  server_->Post("/v1/messages", [this](const auto& req, auto& res) { HandlePost(req, res); });
  server_->Get("/v1/messages", [this](const auto& req, auto& res) { HandlePoll(req, res); });
  server_->Post("/v1/stream-tickets",
                [this](const auto& req, auto& res) { HandleStreamTicket(req, res); });
  server_->Get("/v1/stream", [this](const auto& req, auto& res) { HandleStream(req, res); });
  server_->Get("/widget.js", [](const auto&, auto& res) {
    ServeAsset(res, kWidgetJs, "text/javascript; charset=utf-8", "public, max-age=300");
  });
  server_->Get("/", [](const auto&, auto& res) {
    res.set_header("Content-Security-Policy", kDemoPagePolicy);
    ServeAsset(res, kDemoHtml, "text/html; charset=utf-8", "no-cache");
  });
  bound_port_ = BindServer(*server_, options_.host, options_.port);
  if (bound_port_ <= 0) {
    return absl::UnavailableError(
        absl::StrCat("webchat: cannot listen on ", options_.host, ":", options_.port));
  }
  return ListenInBackground(*server_, server_thread_);
}

void WebChatConnector::Stop() {
  mailbox_.Shutdown();
  if (server_) server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
}

void WebChatConnector::Refuse(const httplib::Request& req, httplib::Response& res, int status,
                              std::string_view reason, std::string_view message,
                              std::string_view event_id) {
  {
    std::lock_guard lock(rejections_mu_);
    ++rejections_[std::string(reason)];
  }
  // The URL without the values of its query (a ticket, or a token sent there by mistake), and
  // never a header: nothing here can carry a secret.
  if (auto suffix = refusal_log_.Admit(context_->clock().Now())) {
    LogInfo("webchat", absl::StrCat("refused ", req.method, " ", RedactedTarget(req.target),
                                    " from ", req.remote_addr, ": ", status, " ", ToAbsl(reason),
                                    " (", ToAbsl(message), ")", *suffix));
  }
  json body{{"error", message}, {"reason", reason}};
  if (!event_id.empty()) body["event_id"] = event_id;
  ReplyJson(res, status, body);
}

void WebChatConnector::RefuseToken(const httplib::Request& req, httplib::Response& res,
                                   const absl::Status& why, std::string_view reason) {
  // RFC 6750's challenge; the reason tells a client what to do (register again).
  res.set_header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
  Refuse(req, res, 401, reason.empty() ? TokenRefusalReason(why) : std::string(reason),
         ToStd(why.message()));
}

void WebChatConnector::RefuseListener(const httplib::Request& req, httplib::Response& res,
                                      const absl::Status& why) {
  SetRetryAfter(res, kBusyRetryAfter);
  const bool own = why.code() == absl::StatusCode::kResourceExhausted;
  Refuse(req, res, own ? 429 : 503, own ? "listeners_per_visitor" : "listeners_full",
         absl::StrCat(why.message(), "; retry after ", kBusyRetryAfter.count(),
                      " s, or read replies with GET /v1/messages?after=N&wait=S"));
}

std::map<std::string, int64_t> WebChatConnector::Rejections() const {
  std::lock_guard lock(rejections_mu_);
  return rejections_;
}

absl::StatusOr<WebChatConnector::Caller> WebChatConnector::Authenticate(const httplib::Request& req,
                                                                        httplib::Response& res) {
  const TimePoint now = context_->clock().Now();
  return Admit(req, res, tokens_.VerifyBearer(req.get_header_value("Authorization"), now), now);
}

absl::StatusOr<WebChatConnector::Caller> WebChatConnector::Admit(
    const httplib::Request& req, httplib::Response& res,
    absl::StatusOr<VisitorTokens::Verified> verified, TimePoint now) {
  if (!verified.ok()) {
    RefuseToken(req, res, verified.status());
    return verified.status();
  }
  // A token outlives its profile after a restart of the connector: the visitor goes on with a
  // bare one.
  auto visitor = visitors_.TouchOrAdd(verified->visitor_id, now);
  if (!visitor.ok()) {
    SetRetryAfter(res, kFullRetryAfter);
    Refuse(req, res, 503, "visitors_full", ToStd(visitor.status().message()));
    return visitor.status();
  }
  return Caller{*std::move(visitor), verified->expires_at};
}

std::optional<std::string> WebChatConnector::RenewedVisitor(const httplib::Request& req,
                                                            TimePoint now) {
  constexpr std::string_view kBearer = "Bearer ";
  const std::string authorization = req.get_header_value("Authorization");
  if (!authorization.starts_with(kBearer)) return std::nullopt;
  auto genuine = tokens_.VerifyIgnoringExpiry(authorization.substr(kBearer.size()));
  if (!genuine.ok()) return std::nullopt;
  if (now < genuine->expires_at) {
    auto visitor = visitors_.TouchOrAdd(genuine->visitor_id, now);
    return visitor.ok() ? std::optional(visitor->id) : std::nullopt;
  }
  if (auto known = visitors_.Touch(genuine->visitor_id, now)) return known->id;
  return std::nullopt;
}

void WebChatConnector::HandleRegister(const httplib::Request& req, httplib::Response& res) {
  const TimePoint now = context_->clock().Now();
  // Before the body is even parsed: a flood costs nothing but the refusal.
  if (auto refused = registrations_.TryTake(req.remote_addr, now)) {
    const int64_t seconds = SetRetryAfter(res, refused->retry_after);
    return Refuse(req, res, 429, "registration_rate_limited",
                  absl::StrCat(refused->reason, "; retry after ", seconds, " s"));
  }
  if (auto renewed = RenewedVisitor(req, now)) {
    return ReplyJson(
        res, 201, WithToken({{"visitor_id", *renewed}, {"renewed", true}}, tokens_, *renewed, now));
  }
  auto visitor = ParseRegistration(req.body);
  if (!visitor.ok()) return Refuse(req, res, 400, "malformed", ToStd(visitor.status().message()));
  visitor->id = tokens_.NewVisitorId();
  if (auto added = visitors_.Add(*visitor, now); !added.ok()) {
    const int64_t seconds = SetRetryAfter(res, kFullRetryAfter);
    return Refuse(req, res, 503, "visitors_full",
                  absl::StrCat(added.message(), "; retry after ", seconds, " s"));
  }
  ReplyJson(
      res, 201,
      WithToken({{"visitor_id", visitor->id}, {"renewed", false}}, tokens_, visitor->id, now));
}

void WebChatConnector::HandlePost(const httplib::Request& req, httplib::Response& res) {
  auto caller = Authenticate(req, res);
  if (!caller.ok()) return;
  const Visitor& visitor = caller->visitor;
  auto event = ParseVisitorMessage(req.body, visitor, context_->clock().Now());
  if (!event.ok()) return Refuse(req, res, 400, "malformed", ToStd(event.status().message()));
  const std::string event_id = event->id();
  const json transcript_entry{{"event_id", event_id},
                              {"from", "visitor"},
                              {"text", event->content().text()},
                              {"sent_at", Rfc3339(event->occurred_at())}};

  // The message's place in the transcript is taken now: an agent's answer can be delivered
  // before the broker's ack reaches this thread, and must still come after it.
  const bool placed = mailbox_.Reserve(visitor.id, event_id);
  // Answer the visitor only once the broker has the message durably; if it does not answer in
  // time the event still waits in the outbox, and a retry with the same client_message_id is
  // deduplicated.
  PublishOutcome outcome = PublishAll(*context_, {*std::move(event)}, options_.ack_wait);
  if (outcome.kind != PublishOutcome::Kind::kAcked && placed) mailbox_.Drop(visitor.id, event_id);
  switch (outcome.kind) {
    case PublishOutcome::Kind::kNotQueued:
      return Refuse(req, res, 503, "not_queued", outcome.message);
    case PublishOutcome::Kind::kTimeout:
      return Refuse(req, res, 503, "ack_timeout",
                    "broker did not acknowledge in time; retry with the same client_message_id",
                    event_id);
    case PublishOutcome::Kind::kRejected:
      return Refuse(req, res, 422, "broker_rejected", outcome.acks.front().reason());
    case PublishOutcome::Kind::kAcked:
      break;
  }
  const auto& ack = outcome.acks.front();
  mailbox_.Keep(visitor.id, event_id, transcript_entry.dump());  // a resend is shown once
  ReplyJson(res, 202,
            WithToken({{"event_id", event_id},
                       {"conversation_id", ack.conversation_id()},
                       {"duplicate", ack.status() == omnibroker::v1::INGEST_STATUS_DUPLICATE}},
                      tokens_, visitor.id, context_->clock().Now()));
}

void WebChatConnector::HandlePoll(const httplib::Request& req, httplib::Response& res) {
  auto caller = Authenticate(req, res);
  if (!caller.ok()) return;
  const std::string& visitor_id = caller->visitor.id;
  uint64_t after = 0;
  int64_t wait_s = 0;
  if (req.has_param("after") && !absl::SimpleAtoi(req.get_param_value("after"), &after)) {
    return Refuse(req, res, 400, "malformed", "after must be a non-negative integer");
  }
  if (req.has_param("wait") && (!absl::SimpleAtoi(req.get_param_value("wait"), &wait_s) || wait_s < 0)) {
    return Refuse(req, res, 400, "malformed", "wait must be a non-negative number of seconds");
  }
  const std::string from = req.has_param("from") ? req.get_param_value("from") : "agent";
  if (from != "agent" && from != "all") {
    return Refuse(req, res, 400, "malformed", "from must be agent or all");
  }
  wait_s = std::min<int64_t>(wait_s, options_.max_long_poll.count());
  // Without a free slot the poll answers at once, and Retry-After says when to ask again.
  std::unique_ptr<ListenerSlots::Slot> slot;
  if (wait_s > 0) {
    auto acquired = listeners_.TryAcquire(visitor_id);
    if (acquired.ok()) {
      slot = *std::move(acquired);
    } else {
      wait_s = 0;
      SetRetryAfter(res, kBusyRetryAfter);
    }
  }
  const auto messages = mailbox_.WaitAfter(
      visitor_id, after, std::chrono::steady_clock::now() + std::chrono::seconds(wait_s),
      /*agent_only=*/from == "agent");
  json out = json::array();
  uint64_t next = after;
  for (const auto& m : messages) {
    json item = json::parse(m.json);
    item["index"] = m.index;
    out.push_back(std::move(item));
    next = m.index;
  }
  ReplyJson(
      res, 200,
      WithToken({{"messages", out}, {"next", next}}, tokens_, visitor_id, context_->clock().Now()));
}

void WebChatConnector::HandleStreamTicket(const httplib::Request& req, httplib::Response& res) {
  auto caller = Authenticate(req, res);
  if (!caller.ok()) return;
  auto ticket = tickets_.Issue({caller->visitor.id, caller->expires_at}, context_->clock().Now());
  if (!ticket.ok()) {
    const bool own = ticket.status().code() == absl::StatusCode::kResourceExhausted;
    SetRetryAfter(res, own ? tickets_.ttl() : Duration(kBusyRetryAfter));
    return Refuse(req, res, own ? 429 : 503, own ? "tickets_per_visitor" : "tickets_full",
                  ToStd(ticket.status().message()));
  }
  ReplyJson(
      res, 201,
      WithToken({{"ticket", *ticket},
                 {"expires_in_s", std::chrono::ceil<std::chrono::seconds>(tickets_.ttl()).count()}},
                tokens_, caller->visitor.id, context_->clock().Now()));
}

absl::StatusOr<WebChatConnector::Caller> WebChatConnector::AuthenticateStream(
    const httplib::Request& req, httplib::Response& res) {
  const TimePoint now = context_->clock().Now();
  if (req.has_param("token")) {
    const absl::Status in_url = absl::UnauthenticatedError(
        "visitor tokens are not taken in URLs (they end up in logs): send 'Authorization: "
        "Bearer <token>', or ?ticket= from POST /v1/stream-tickets");
    RefuseToken(req, res, in_url, "token_in_url");
    return in_url;
  }
  if (!req.has_param("ticket")) return Authenticate(req, res);
  auto grant = tickets_.Redeem(req.get_param_value("ticket"), now);
  if (!grant.ok()) {
    RefuseToken(req, res, grant.status(), "ticket_invalid");
    return grant.status();
  }
  return Admit(req, res, VisitorTokens::Verified{grant->visitor_id, grant->token_expires_at}, now);
}

void WebChatConnector::HandleStream(const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateStream(req, res);
  if (!caller.ok()) return;
  auto resume = ResumeIndex(req.get_header_value("Last-Event-ID"));
  if (!resume.ok()) return Refuse(req, res, 400, "malformed", ToStd(resume.status().message()));
  auto slot = listeners_.TryAcquire(caller->visitor.id);
  if (!slot.ok()) return RefuseListener(req, res, slot.status());
  res.set_header("Cache-Control", "no-store");
  auto after = std::make_shared<uint64_t>(*resume);
  // The provider lives as long as the response: the slot is freed when the stream ends. The
  // stream ends when the token it was opened with expires, as a request with it would be
  // refused; the client comes back with a fresh one.
  res.set_chunked_content_provider(
      "text/event-stream", [this, id = caller->visitor.id, expires_at = caller->expires_at, after,
                            held = std::shared_ptr<ListenerSlots::Slot>(*std::move(slot))](
                               size_t, httplib::DataSink& sink) {
        const auto messages = mailbox_.WaitAfter(
            id, *after, std::chrono::steady_clock::now() + options_.stream_keep_alive);
        if (mailbox_.IsShutDown()) return false;
        for (const auto& m : messages) {
          json item = json::parse(m.json);
          item["index"] = m.index;
          const std::string frame = SseEvent(m.index, item.dump());
          if (!sink.write(frame.data(), frame.size())) return false;
          *after = m.index;
        }
        if (context_->clock().Now() >= expires_at) {
          sink.done();
          return true;
        }
        if (messages.empty()) return sink.write(kSseKeepAlive.data(), kSseKeepAlive.size());
        return true;
      });
}

absl::Status WebChatConnector::Deliver(const omnibroker::v1::Event& event) {
  const std::string& visitor_id =
      event.recipient().handle().empty() ? event.thread_key() : event.recipient().handle();
  if (visitor_id.empty()) {
    return absl::InvalidArgumentError("webchat delivery names no visitor (recipient.handle)");
  }
  json message{{"event_id", event.id()},
               {"from", "agent"},
               {"conversation_id", event.conversation_id()},
               {"agent_id", event.agent_id()},
               {"text", event.content().text()},
               {"sent_at", Rfc3339(event.occurred_at())}};
  mailbox_.Add(visitor_id, Mailbox::From::kAgent, event.id(), message.dump());
  return absl::OkStatus();
}

}  // namespace omni::connectors::webchat
