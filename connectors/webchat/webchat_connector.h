// The web chat connector's I/O part: an HTTP server (cpp-httplib) on a configured address where
// visitors register, post messages and read their transcript (SSE or long-poll), and which
// serves the embeddable widget.
//
//   GET  /  and  /widget.js                 the demo page and the widget (widget_assets.h)
//   POST /v1/visitors  [Bearer <old token>]  {"name","email","language"} (optional)
//                                           -> 201 {"visitor_id","token","renewed"}; rate-limited
//                                           per client address and in all (429)
//   POST /v1/messages   Bearer <token>      message body (webchat_parser.h) -> 202 after broker ack
//   GET  /v1/messages?after=N&wait=S[&from=all]  Bearer <token>  -> 200 {"messages":[…],"next":N}
//   POST /v1/stream-tickets  Bearer <token> -> 201 {"ticket","expires_in_s"}
//   GET  /v1/stream  Bearer <token> or ?ticket=<ticket>  [Last-Event-ID: N]
//                                           -> text/event-stream of the transcript, both sides
//
// Tokens (visitor_token.h) expire token_ttl after they were issued, and every authenticated
// answer carries a fresh one ("token"), so an active visitor never sees one expire. A refused
// token is 401 {"error","reason"}; the client registers again sending its old token, and keeps
// its visitor id (and conversation) when the token is genuine and the connector still holds the
// visitor's profile. Tokens never travel in URLs, which end up in logs: the stream takes the
// Authorization header, or for a browser's EventSource (which cannot set headers) a single-use
// ticket bought with the token (stream_tickets.h).
//
// Streams and long-polls hold a pool thread while they wait, so they are bounded
// (listener_slots.h): beyond the bound a stream is refused at once with Retry-After and a
// long-poll answers without waiting, keeping threads free for registrations and messages.
//
// Threads: the HTTP server's own pool, started in Start() and joined in Stop().
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/log_throttle.h"
#include "connectors/sdk/connector.h"
#include "connectors/webchat/listener_slots.h"
#include "connectors/webchat/mailbox.h"
#include "connectors/webchat/registration_limiter.h"
#include "connectors/webchat/stream_tickets.h"
#include "connectors/webchat/visitor_registry.h"
#include "connectors/webchat/visitor_token.h"
#include "connectors/webchat/webchat_parser.h"

namespace httplib {
class Server;
class Request;
class Response;
}  // namespace httplib

namespace omni::connectors::webchat {

struct WebChatOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port; see port()
  std::string secret;
  std::chrono::milliseconds ack_wait{10000};
  std::chrono::seconds max_long_poll{30};
  std::chrono::seconds stream_keep_alive{15};
  // HTTP worker threads (cpp-httplib's default is only max(8, cores - 1)). Each connection holds
  // one while it is served, a stream or long-poll for as long as it waits.
  int http_threads = 64;
  // Streams and waiting long-polls at once, in all (below http_threads: the rest serve
  // registrations and messages) and per visitor (a few tabs).
  int max_listeners = 48;
  int max_listeners_per_visitor = 4;
  // How often visitors may register, per client address and in all (registration_limiter.h).
  RegistrationRates registration_rates;
  // Visitor profiles kept at once, and how long one is kept after the visitor was last active.
  size_t max_visitors = 100000;
  Duration visitor_idle_expiry = std::chrono::hours(24 * 30);
  // How long a visitor token lasts from its issue (each answer carries a fresh one), and a
  // stream ticket from its.
  Duration token_ttl = std::chrono::hours(24);
  Duration stream_ticket_ttl = std::chrono::seconds(30);
  size_t max_body_bytes = 64 * 1024;
};

class WebChatConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<WebChatConnector>> Create(WebChatOptions options);
  ~WebChatConnector() override;

  std::vector<std::string> Providers() const override { return {std::string(kProvider)}; }
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  absl::Status Deliver(const omnibroker::v1::Event& event) override;
  // Requests refused so far, by reason (the `reason` of the answer): malformed,
  // registration_rate_limited, visitors_full, listeners_full, listeners_per_visitor,
  // tickets_full, tickets_per_visitor, not_queued, ack_timeout, broker_rejected, and a refused
  // token's (token_expired, token_in_url, ticket_invalid, …).
  std::map<std::string, int64_t> Rejections() const override;

  // The bound port (useful with port 0). Valid after Start().
  int port() const { return bound_port_; }

 private:
  WebChatConnector(WebChatOptions options, VisitorTokens tokens);
  // A visitor proven by a token or a stream ticket, and when that proof expires.
  struct Caller {
    Visitor visitor;
    TimePoint expires_at;
  };

  void HandleRegister(const httplib::Request& req, httplib::Response& res);
  void HandlePost(const httplib::Request& req, httplib::Response& res);
  void HandlePoll(const httplib::Request& req, httplib::Response& res);
  void HandleStreamTicket(const httplib::Request& req, httplib::Response& res);
  void HandleStream(const httplib::Request& req, httplib::Response& res);
  // The caller named by the request's bearer token, or an error already written to `res`.
  absl::StatusOr<Caller> Authenticate(const httplib::Request& req, httplib::Response& res);
  // The same for a stream: by its ticket, else by its bearer token.
  absl::StatusOr<Caller> AuthenticateStream(const httplib::Request& req, httplib::Response& res);
  // The verified caller with its profile (now active), or an error written to `res`.
  absl::StatusOr<Caller> Admit(const httplib::Request& req, httplib::Response& res,
                               absl::StatusOr<VisitorTokens::Verified> verified, TimePoint now);
  // Answers `status` {"error": message, "reason": reason} (and the event id when given), counts
  // the reason and logs the refusal (at most a line per 10 s; the URL without its query's
  // values).
  void Refuse(const httplib::Request& req, httplib::Response& res, int status,
              std::string_view reason, std::string_view message, std::string_view event_id = "");
  // 401 for a refused token or ticket, with its reason (`reason` when the status has none).
  void RefuseToken(const httplib::Request& req, httplib::Response& res, const absl::Status& why,
                   std::string_view reason = "");
  // A stream refused for lack of a slot: 429 when it is the visitor's own bound, 503 when all are
  // taken; Retry-After either way.
  void RefuseListener(const httplib::Request& req, httplib::Response& res, const absl::Status& why);
  // The visitor a registration renews: the one its bearer token names if the token is genuine
  // and either unexpired or of a visitor whose profile is still held; else nullopt (a new one).
  std::optional<std::string> RenewedVisitor(const httplib::Request& req, TimePoint now);

  const WebChatOptions options_;
  const VisitorTokens tokens_;
  ConnectorContext* context_ = nullptr;
  Mailbox mailbox_;
  ListenerSlots listeners_;
  RegistrationLimiter registrations_;
  VisitorRegistry visitors_;
  StreamTickets tickets_;
  LogThrottle refusal_log_{std::chrono::seconds(10)};
  mutable std::mutex rejections_mu_;
  std::map<std::string, int64_t> rejections_;
  std::unique_ptr<httplib::Server> server_;
  std::thread server_thread_;
  int bound_port_ = 0;
};

}  // namespace omni::connectors::webchat
