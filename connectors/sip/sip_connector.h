// The SIP connector: INVITEs on UDP and TCP `listen` become VOICE CALL events; each caller waits
// in an INVITE server transaction of our own (RFC 3261 17.2.1) until the broker's outbound CALL
// redirects them (302 to the agent's voice contact), they hang up (CANCEL/BYE → abandoned) or
// max_wait passes (480 → overflowed). One thread owns the sockets and the timers; no socket call
// blocks (TCP connections are bounded in sip_tcp.h), so Stop() returns whatever clients do. Each
// end of a call is reported to the broker and kept until the broker acks the report: Deliver
// answers the redirect only once its "answered" report is acked, and a report that cannot be
// queued yet (outbox and spool full) is published again until it is.
// A UDP source address is never verified (it may be spoofed), so what one source can make the
// connector do is bounded: requests by a token bucket per address, calls waiting at once per
// address and in all, answers no larger than the request, and few retransmissions.
#pragma once

#include <netinet/in.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/sdk/address_rate_limiter.h"
#include "connectors/sdk/connector.h"
#include "connectors/sip/sip_parser.h"
#include "connectors/sip/sip_routes.h"
#include "connectors/sip/sip_tcp.h"
#include "base/log_throttle.h"

namespace omni::connectors::sip {

inline constexpr std::string_view kProvider = "sip";

struct SipOptions {
  std::string host = "127.0.0.1";
  int port = 5060;  // UDP and TCP; 0 = a free port (the same number for both)
  std::chrono::milliseconds max_wait{120000};     // then 480 and the overflowed report
  std::chrono::milliseconds ringing_every{30000};  // 180 Ringing repeated so proxies keep waiting
  std::chrono::milliseconds t1{500};               // RFC 3261 timer T1 (G starts here, H = 64*T1)
  // How long Deliver waits for the broker's ack of the answered report before it answers the
  // delivery "not yet" (the broker sends it again, and the report is published again).
  std::chrono::milliseconds ack_wait{10000};
  CallRoutes routes;                               // route.<dialed> settings
  TcpLimits tcp;                                   // tcp_* settings
  int64_t rate_limit_per_second = 10;  // UDP requests from one source address (a token bucket)
  int64_t rate_limit_burst = 30;       // … and at once
  size_t max_calls = 200;              // callers waiting at once; more hear 503 with Retry-After
  size_t max_calls_per_source = 10;    // … from one source address
};

class SipConnector : public Connector {
 public:
  static absl::StatusOr<std::unique_ptr<SipConnector>> Create(const ConnectorConfig& config);
  explicit SipConnector(SipOptions options)
      : options_(std::move(options)),
        udp_sources_(options_.rate_limit_per_second, options_.rate_limit_burst, 4096),
        tcp_(options_.tcp) {}
  ~SipConnector() override { Stop(); }

  std::vector<std::string> Providers() const override { return {std::string(kProvider)}; }
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  absl::Status Deliver(const omnibroker::v1::Event& event) override;
  int port() const { return port_; }
  // Requests refused or left unanswered, by reason: rate_limited (dropped), too_many_calls (503),
  // response_too_large (an answer larger than a UDP request, not sent), malformed (dropped), and
  // tcp_connection_limit, tcp_output_overflow, message_too_large (sip_tcp.h).
  std::map<std::string, int64_t> Rejections() const override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Peer {
    int tcp_fd = -1;  // -1: UDP, answered to the datagram's source address
    sockaddr_in address{};  // the datagram's source, or the TCP connection's peer
    // UDP: the request's size; nothing larger goes back to an address that may be spoofed.
    size_t request_bytes = 0;
  };
  enum class State { kPublishing, kWaiting, kCompleted, kConfirmed };
  struct Call {
    SipRequest invite;
    Peer peer;
    std::string to_tag;
    Clock::time_point started;
    State state = State::kPublishing;
    std::string last_response;
    Clock::time_point next_ringing, next_retransmit, forget_at;
    std::chrono::milliseconds retransmit_every{0};
    int retransmissions = 0;
  };

  // What an ack callback reaches: the connector until Stop, nothing after (acks may come late).
  struct Alive {
    std::mutex mu;
    SipConnector* connector = nullptr;
  };

  void Run();
  void CloseListeners();
  // Takes the datagrams waiting on the UDP socket to Receive, within each source's rate.
  void ReceiveDatagrams();
  // Takes what one TCP connection sent (poll said it is ready) to Receive.
  void ReadStream(const pollfd& polled);
  // With mu_ held: a TCP caller's connection closed, so its calls cannot be answered any more
  // (abandoned).
  void Disconnected(int fd);
  void Receive(const std::string& bytes, const Peer& peer);
  void OnInvite(SipRequest request, const Peer& peer);
  // With mu_ held: whether another caller may wait, in all and from the peer's address.
  bool RoomForCall(const Peer& peer) const;
  void OnPublished(const std::string& call_id, const omnibroker::v1::IngestAck& ack);
  void EndWaiting(const std::string& call_id, const SipRequest& request, const Peer& peer);
  void Tick();
  // With mu_ held: sends `code` as the INVITE's final response and starts timers G/H (UDP).
  void SendFinal(Call& call, int code, const std::vector<std::string>& headers = {});
  void Reply(Call& call, const std::string& response);
  // With mu_ held; never blocks (a TCP connection's output waits in tcp_). Over UDP an answer
  // larger than the request is not sent (counted): no amplification towards a spoofed address.
  void Send(const Peer& peer, const std::string& bytes);
  omnibroker::v1::Event ReportOf(const Call& call, std::string_view outcome,
                                 std::string_view redirect_to = "") const;
  // With mu_ held: keeps the call's `outcome` report until the broker acks it.
  void Report(const Call& call, std::string_view outcome);
  // Publishes the reports not queued yet (outside mu_); those the outbox refuses wait for the next.
  void FlushReports();
  void OnReportAcked(const std::string& id, const omnibroker::v1::IngestAck& ack);

  const SipOptions options_;
  ConnectorContext* context_ = nullptr;
  int udp_fd_ = -1, tcp_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::shared_ptr<Alive> alive_ = std::make_shared<Alive>();
  AddressRateLimiter udp_sources_;  // by IPv4 address bytes
  LogThrottle dropped_log_{std::chrono::seconds(10)};  // an unparsable message may come in floods

  mutable std::mutex mu_;
  SipTcpConnections tcp_;
  std::map<std::string, int64_t> rejections_;  // see Rejections()
  std::map<std::string, Call> calls_;  // by Call-ID
  // Redirects delivered whose answered report the broker has not acked yet, by delivery event id:
  // a resend of the delivery publishes the same report again (the broker dedupes it by id).
  std::map<std::string, omnibroker::v1::Event> answered_;
  struct PendingReport {
    omnibroker::v1::Event event;
    bool queued = false;   // handed to the broker link, which keeps it until the ack
    bool refused = false;  // the outbox refused it once (logged once)
  };
  std::map<std::string, PendingReport> reports_;  // abandoned/overflowed, by event id, until acked
};

}  // namespace omni::connectors::sip
