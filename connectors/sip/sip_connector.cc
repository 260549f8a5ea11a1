// The SIP connector's transport and INVITE server transactions. Timers: 100 Trying at once
// (hop by hop: it only stops the caller's retransmissions), 180 Ringing once the broker acked the
// call and every ringing_every after, a final response resent over UDP from T1 doubling to T2
// until ACK (timer G) and given up after 64*T1 (timer H), an ACKed transaction kept T4 to absorb
// stray retransmissions (timer I).
#include "connectors/sip/sip_connector.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "connectors/sdk/publish_all.h"
#include "connectors/sip/sip_response.h"
#include "connectors/sip/sip_stream.h"

namespace omni::connectors::sip {
namespace {

using namespace std::chrono_literals;
constexpr auto kT2 = 4000ms;
constexpr auto kT4 = 5000ms;
constexpr char kAllow[] = "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS";
// Timer G's resends of a final response over UDP (RFC 3261 would go on to 64*T1, some 9 times):
// each goes to an address that may be spoofed, and three cover three losses in a row.
constexpr int kMaxRetransmissions = 3;
// Datagrams taken per poll round, so that TCP connections and timers get their turn in a flood.
constexpr int kDatagramsPerRound = 64;
constexpr char kRetryAfter[] = "Retry-After: 30";

std::string RandomTag() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrCat(absl::Hex(random()));
}

bool Known405(const std::string& method) {
  for (const char* m : {"REGISTER", "SUBSCRIBE", "NOTIFY", "MESSAGE", "INFO", "UPDATE", "PRACK", "REFER", "PUBLISH"}) {
    if (method == m) return true;
  }
  return false;
}

absl::Status Bind(int fd, const std::string& host, int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("sip: listen host '", host, "' is not an IPv4 address"));
  }
  const int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    const int error = errno;
    std::string message = absl::StrCat("sip: cannot bind ", host, ":", port, ": ", strerror(error));
    return error == EADDRINUSE ? absl::AlreadyExistsError(message) : absl::UnavailableError(message);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PositiveInt(const ConnectorConfig& config, const std::string& key,
                                    int64_t fallback) {
  auto value = config.GetInt(key, fallback);
  if (value.ok() && *value == 0) {
    return absl::InvalidArgumentError(absl::StrCat("sip: ", key, " must be positive"));
  }
  return value;
}

absl::Status ReadTcpLimits(const ConnectorConfig& config, TcpLimits& limits) {
  auto connections = PositiveInt(config, "tcp_max_connections", limits.max_connections);
  if (!connections.ok()) return connections.status();
  auto per_address =
      PositiveInt(config, "tcp_max_connections_per_address", limits.max_connections_per_address);
  if (!per_address.ok()) return per_address.status();
  auto idle = PositiveInt(config, "tcp_idle_timeout_ms", limits.idle_timeout.count());
  if (!idle.ok()) return idle.status();
  auto output = PositiveInt(config, "tcp_max_output_bytes", limits.max_output_bytes);
  if (!output.ok()) return output.status();
  limits.max_connections = *connections;
  limits.max_connections_per_address = *per_address;
  limits.idle_timeout = std::chrono::milliseconds(*idle);
  limits.max_output_bytes = *output;
  return absl::OkStatus();
}

absl::Status ReadCallLimits(const ConnectorConfig& config, SipOptions& options) {
  auto rate = PositiveInt(config, "rate_limit_per_second", options.rate_limit_per_second);
  if (!rate.ok()) return rate.status();
  auto burst = PositiveInt(config, "rate_limit_burst", options.rate_limit_burst);
  if (!burst.ok()) return burst.status();
  auto calls = PositiveInt(config, "max_calls", options.max_calls);
  if (!calls.ok()) return calls.status();
  auto per_source = PositiveInt(config, "max_calls_per_source", options.max_calls_per_source);
  if (!per_source.ok()) return per_source.status();
  options.rate_limit_per_second = *rate;
  options.rate_limit_burst = *burst;
  options.max_calls = *calls;
  options.max_calls_per_source = *per_source;
  return absl::OkStatus();
}

int BoundPort(int fd) {
  sockaddr_in bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  return ntohs(bound.sin_port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<SipConnector>> SipConnector::Create(const ConnectorConfig& config) {
  SipOptions options;
  if (auto s = config.GetListen("listen", "127.0.0.1:5060", options.host, options.port); !s.ok()) return s;
  auto max_wait = config.GetInt("max_wait_ms", options.max_wait.count());
  if (!max_wait.ok()) return max_wait.status();
  auto ringing = config.GetInt("ringing_every_ms", options.ringing_every.count());
  if (!ringing.ok()) return ringing.status();
  auto t1 = config.GetInt("t1_ms", options.t1.count());
  if (!t1.ok()) return t1.status();
  auto ack_wait = config.GetInt("ack_wait_ms", options.ack_wait.count());
  if (!ack_wait.ok()) return ack_wait.status();
  options.ack_wait = std::chrono::milliseconds(*ack_wait);
  if (*ringing == 0 || *t1 == 0) return absl::InvalidArgumentError("sip: ringing_every_ms and t1_ms must be positive");
  options.max_wait = std::chrono::milliseconds(*max_wait);
  options.ringing_every = std::chrono::milliseconds(*ringing);
  options.t1 = std::chrono::milliseconds(*t1);
  if (auto s = ReadTcpLimits(config, options.tcp); !s.ok()) return s;
  if (auto s = ReadCallLimits(config, options); !s.ok()) return s;
  auto routes = ParseCallRoutes(config);
  if (!routes.ok()) return routes.status();
  options.routes = *std::move(routes);
  return std::make_unique<SipConnector>(std::move(options));
}

absl::Status SipConnector::Start(ConnectorContext& context) {
  context_ = &context;
  // SIP listens on one port for UDP and TCP. With port 0 the kernel picks a TCP port first (the
  // protocol whose ephemeral ports outgoing connections crowd), and when that number is taken on
  // UDP we ask again rather than fail.
  const int attempts = options_.port == 0 ? 20 : 1;
  absl::Status bound;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    CloseListeners();
    tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (udp_fd_ < 0 || tcp_fd_ < 0) {
      bound = absl::UnavailableError(absl::StrCat("sip: cannot open sockets: ", strerror(errno)));
      break;
    }
    bound = Bind(tcp_fd_, options_.host, options_.port);
    if (!bound.ok()) break;
    port_ = BoundPort(tcp_fd_);
    bound = Bind(udp_fd_, options_.host, port_);
    if (!absl::IsAlreadyExists(bound)) break;
  }
  if (bound.ok() && listen(tcp_fd_, 64) != 0) {
    bound = absl::UnavailableError(absl::StrCat("sip: cannot listen on TCP: ", strerror(errno)));
  }
  if (!bound.ok()) {
    CloseListeners();
    return bound;
  }
  running_ = true;
  alive_->connector = this;
  thread_ = std::thread([this] { Run(); });
  LogInfo("sip", absl::StrCat("listening on ", options_.host, ":", port_, " (UDP and TCP)"));
  return absl::OkStatus();
}

void SipConnector::Stop() {
  if (!running_.exchange(false)) return;
  {
    std::lock_guard lock(alive_->mu);
    alive_->connector = nullptr;
  }
  thread_.join();
  {
    std::lock_guard lock(mu_);
    tcp_.CloseAll();
  }
  CloseListeners();
  // The broker link outlives us and spools what it holds at its own stop: hand it what is left.
  FlushReports();
  std::lock_guard lock(mu_);
  const auto unqueued = std::count_if(reports_.begin(), reports_.end(),
                                      [](const auto& entry) { return !entry.second.queued; });
  if (unqueued > 0) {
    LogError("sip", absl::StrCat(unqueued, " call reports could not be queued before the stop"));
  }
}

void SipConnector::CloseListeners() {
  if (udp_fd_ >= 0) close(udp_fd_);
  if (tcp_fd_ >= 0) close(tcp_fd_);
  udp_fd_ = tcp_fd_ = -1;
}

void SipConnector::Run() {
  while (running_) {
    std::vector<pollfd> fds{{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
    {
      std::lock_guard lock(mu_);
      tcp_.AddPollFds(fds);
    }
    if (poll(fds.data(), fds.size(), 20) > 0) {
      if (fds[0].revents & POLLIN) ReceiveDatagrams();
      if (fds[1].revents & POLLIN) {
        std::lock_guard lock(mu_);
        tcp_.Accept(tcp_fd_, Clock::now());
      }
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents != 0) ReadStream(fds[i]);
      }
    }
    Tick();
    FlushReports();
  }
}

void SipConnector::ReceiveDatagrams() {
  char buffer[kMaxMessageBytes];
  for (int i = 0; i < kDatagramsPerRound; ++i) {
    Peer peer;
    socklen_t length = sizeof(peer.address);
    const ssize_t n = recvfrom(udp_fd_, buffer, sizeof(buffer), MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&peer.address), &length);
    if (n <= 0) return;
    // Before parsing: a flood costs no more than counting it, and is answered nothing.
    const std::string_view source(reinterpret_cast<const char*>(&peer.address.sin_addr.s_addr),
                                  sizeof(peer.address.sin_addr.s_addr));
    if (udp_sources_.TryTake(source, context_->clock().Now())) {
      std::lock_guard lock(mu_);
      ++rejections_["rate_limited"];
      continue;
    }
    peer.request_bytes = static_cast<size_t>(n);
    Receive(std::string(buffer, n), peer);
  }
}

void SipConnector::ReadStream(const pollfd& polled) {
  std::vector<StreamMessage> messages;
  Peer peer{.tcp_fd = polled.fd};
  {
    std::lock_guard lock(mu_);
    messages = tcp_.Ready(polled, Clock::now());
    peer.address = tcp_.address(polled.fd);
  }
  for (const StreamMessage& message : messages) {
    if (message.status.ok()) {
      Receive(message.bytes, peer);
      continue;
    }
    // The connection closes after it; its headers (when they came) say whom to tell why.
    LogInfo("sip", absl::StrCat("TCP connection closed: ", message.status.message()));
    auto request = ParseSipRequest(message.bytes);
    if (!request.ok() || request->method == "ACK") continue;
    std::lock_guard lock(mu_);
    Send(peer, Response(*request, 513, RandomTag()));
  }
}

void SipConnector::Disconnected(int fd) {
  for (auto it = calls_.begin(); it != calls_.end();) {
    Call& call = it->second;
    if (call.peer.tcp_fd != fd) {
      ++it;
      continue;
    }
    if (call.state == State::kPublishing || call.state == State::kWaiting) Report(call, "abandoned");
    it = calls_.erase(it);  // with the connection: its fd number can be reused by the next one
  }
}

void SipConnector::Receive(const std::string& bytes, const Peer& peer) {
  auto request = ParseSipRequest(bytes);
  if (!request.ok()) {
    {
      std::lock_guard lock(mu_);
      ++rejections_["malformed"];
    }
    if (auto more = dropped_log_.Admit(context_->clock().Now())) {
      LogInfo("sip", absl::StrCat("dropped: ", request.status().message(), *more));
    }
    return;
  }
  const std::string& method = request->method;
  if (method == "INVITE") return OnInvite(*std::move(request), peer);
  std::lock_guard lock(mu_);
  auto call = calls_.find(request->call_id);
  if (method == "ACK") {  // consumed: it ends timer G for our final response
    if (call != calls_.end() && call->second.state == State::kCompleted) {
      call->second.state = State::kConfirmed;
      call->second.forget_at = Clock::now() + (peer.tcp_fd < 0 ? kT4 : 0ms);
    }
    return;
  }
  if (method == "CANCEL" || method == "BYE") return EndWaiting(request->call_id, *request, peer);
  if (method == "OPTIONS") return Send(peer, Response(*request, 200, RandomTag(), {kAllow}));
  Send(peer, Response(*request, Known405(method) ? 405 : 501, RandomTag(), {kAllow}));
}

void SipConnector::OnInvite(SipRequest request, const Peer& peer) {
  const std::string call_id = request.call_id;
  {
    std::lock_guard lock(mu_);
    auto existing = calls_.find(call_id);
    if (existing != calls_.end()) {  // a retransmission: absorbed, answered with the last response
      if (!existing->second.last_response.empty()) Send(peer, existing->second.last_response);
      return;
    }
    if (!RoomForCall(peer)) {  // stateless: nothing is kept, nothing resent
      ++rejections_["too_many_calls"];
      return Send(peer, Response(request, 503, RandomTag(), {kRetryAfter}));
    }
    Call& call = calls_[call_id];
    call.invite = std::move(request);
    call.peer = peer;
    call.to_tag = RandomTag();
    call.started = Clock::now();
    Reply(call, Response(call.invite, 100, call.to_tag));
  }
  omnibroker::v1::Event event;
  {
    std::lock_guard lock(mu_);
    event = RoutedCallEvent(calls_[call_id].invite, options_.routes, context_->clock().Now());
  }
  const absl::Status queued = context_->Publish(
      std::move(event), [alive = alive_, call_id](const omnibroker::v1::IngestAck& ack) {
        std::lock_guard lock(alive->mu);
        if (alive->connector != nullptr) alive->connector->OnPublished(call_id, ack);
      });
  if (!queued.ok()) {  // outbox and spool full: the caller may try again later
    std::lock_guard lock(mu_);
    auto call = calls_.find(call_id);
    if (call != calls_.end() && call->second.state == State::kPublishing) {
      SendFinal(call->second, 503, {"Retry-After: 30", "Reason: SIP;cause=503;text=\"broker outbox full\""});
    }
  }
}

bool SipConnector::RoomForCall(const Peer& peer) const {
  size_t waiting = 0, from_source = 0;
  for (const auto& [unused, call] : calls_) {
    if (call.state != State::kPublishing && call.state != State::kWaiting) continue;
    ++waiting;
    if (call.peer.address.sin_addr.s_addr == peer.address.sin_addr.s_addr) ++from_source;
  }
  return waiting < options_.max_calls && from_source < options_.max_calls_per_source;
}

void SipConnector::OnPublished(const std::string& call_id, const omnibroker::v1::IngestAck& ack) {
  std::lock_guard lock(mu_);
  auto it = calls_.find(call_id);
  if (it == calls_.end() || it->second.state != State::kPublishing) return;
  Call& call = it->second;
  if (ack.status() == omnibroker::v1::INGEST_STATUS_ACCEPTED ||
      ack.status() == omnibroker::v1::INGEST_STATUS_DUPLICATE) {
    call.state = State::kWaiting;
    Reply(call, Response(call.invite, 180, call.to_tag));
    call.next_ringing = Clock::now() + options_.ringing_every;
    return;
  }
  LogInfo("sip", absl::StrCat("call ", call_id, " refused by the broker: ", ack.reason()));
  SendFinal(call, 500, {absl::StrCat("Reason: SIP;cause=500;text=\"", ack.reason(), "\"")});
}

void SipConnector::EndWaiting(const std::string& call_id, const SipRequest& request, const Peer& peer) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return Send(peer, Response(request, 481, RandomTag()));
  Call& call = it->second;
  Send(peer, Response(request, 200, call.to_tag));
  if (call.state != State::kPublishing && call.state != State::kWaiting) return;  // already answered
  SendFinal(call, 487);
  Report(call, "abandoned");
}

absl::Status SipConnector::Deliver(const omnibroker::v1::Event& event) {
  if (event.kind() != omnibroker::v1::EVENT_KIND_CALL) {
    return absl::InvalidArgumentError("sip: only CALL events can be delivered to a phone call");
  }
  auto redirect = event.provider_metadata().find("call.redirect_to");
  if (redirect == event.provider_metadata().end() || redirect->second.empty()) {
    return absl::InvalidArgumentError("sip: provider_metadata call.redirect_to is missing");
  }
  omnibroker::v1::Event report;
  {
    std::lock_guard lock(mu_);
    if (auto answered = answered_.find(event.id()); answered != answered_.end()) {
      report = answered->second;  // a resend: the redirect went out, its report is not acked yet
    } else {
      auto it = calls_.find(event.thread_key());
      // A call already gone (or already answered) has its outcome reported: nothing to do.
      // A call whose ack is still on its way is waiting too: the broker routed it.
      const bool waiting = it != calls_.end() && (it->second.state == State::kWaiting || it->second.state == State::kPublishing);
      if (!waiting) return absl::OkStatus();
      SendFinal(it->second, 302, {absl::StrCat("Contact: <", redirect->second, ">")});
      report = ReportOf(it->second, "answered", redirect->second);
      answered_[event.id()] = report;
    }
  }
  // The delivery is done once the broker has its report: a crash before that leaves the delivery
  // unconfirmed, so the broker sends it again rather than losing how the call ended.
  const PublishOutcome outcome = PublishAll(*context_, {report}, options_.ack_wait);
  if (outcome.kind == PublishOutcome::Kind::kTimeout ||
      outcome.kind == PublishOutcome::Kind::kNotQueued) {
    return absl::UnavailableError(
        absl::StrCat("sip: report ", report.id(), " not acked yet: ", outcome.message));
  }
  if (!outcome.ok()) LogWarning("sip", outcome.message, report.id());  // refused for good
  std::lock_guard lock(mu_);
  answered_.erase(event.id());
  return absl::OkStatus();
}

void SipConnector::Tick() {
  std::lock_guard lock(mu_);
  const auto now = Clock::now();
  for (auto it = calls_.begin(); it != calls_.end();) {
    Call& call = it->second;
    const bool waiting = call.state == State::kWaiting || call.state == State::kPublishing;
    if (waiting && now - call.started >= options_.max_wait) {
      SendFinal(call, 480, {"Reason: SIP;cause=480;text=\"no agent within max_wait\""});
      Report(call, "overflowed");
    } else if (call.state == State::kWaiting && now >= call.next_ringing) {
      Send(call.peer, call.last_response);
      call.next_ringing = now + options_.ringing_every;
    } else if (call.state == State::kCompleted && call.peer.tcp_fd < 0 &&
               now >= call.next_retransmit && call.retransmissions < kMaxRetransmissions) {
      Send(call.peer, call.last_response);  // timer G
      ++call.retransmissions;
      call.retransmit_every = std::min(call.retransmit_every * 2, std::chrono::milliseconds(kT2));
      call.next_retransmit = now + call.retransmit_every;
    }
    const bool done = (call.state == State::kCompleted || call.state == State::kConfirmed) && now >= call.forget_at;
    it = done ? calls_.erase(it) : std::next(it);  // timer H (no ACK) or I (ACKed)
  }
  std::set<int> busy;  // a caller waiting on a connection need not say anything
  for (const auto& [unused, call] : calls_) {
    if (call.peer.tcp_fd >= 0) busy.insert(call.peer.tcp_fd);
  }
  for (const int fd : tcp_.CloseFinished(now, busy)) Disconnected(fd);
}

void SipConnector::SendFinal(Call& call, int code, const std::vector<std::string>& headers) {
  Reply(call, Response(call.invite, code, call.to_tag, headers));
  call.state = State::kCompleted;
  call.retransmit_every = options_.t1;
  call.next_retransmit = Clock::now() + options_.t1;
  call.forget_at = Clock::now() + 64 * options_.t1;
}

void SipConnector::Reply(Call& call, const std::string& response) {
  call.last_response = response;
  Send(call.peer, response);
}

void SipConnector::Send(const Peer& peer, const std::string& bytes) {
  if (peer.tcp_fd >= 0) return tcp_.Send(peer.tcp_fd, bytes);
  if (bytes.size() > peer.request_bytes) {
    ++rejections_["response_too_large"];
    return;
  }
  sendto(udp_fd_, bytes.data(), bytes.size(), MSG_DONTWAIT,
         reinterpret_cast<const sockaddr*>(&peer.address), sizeof(peer.address));
}

std::map<std::string, int64_t> SipConnector::Rejections() const {
  std::lock_guard lock(mu_);
  std::map<std::string, int64_t> all = rejections_;
  all.insert(tcp_.rejections().begin(), tcp_.rejections().end());
  return all;
}

omnibroker::v1::Event SipConnector::ReportOf(const Call& call, std::string_view outcome,
                                             std::string_view redirect_to) const {
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - call.started);
  return CallReport(call.invite, outcome, waited, redirect_to, context_->clock().Now());
}

void SipConnector::Report(const Call& call, std::string_view outcome) {
  omnibroker::v1::Event report = ReportOf(call, outcome);
  const std::string id = report.id();
  reports_.emplace(id, PendingReport{.event = std::move(report)});
}

void SipConnector::FlushReports() {
  std::vector<omnibroker::v1::Event> unqueued;
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, report] : reports_) {
      if (!report.queued) unqueued.push_back(report.event);
    }
  }
  for (auto& report : unqueued) {
    const std::string id = report.id();
    const absl::Status queued = context_->Publish(
        std::move(report), [alive = alive_, id](const omnibroker::v1::IngestAck& ack) {
          std::lock_guard lock(alive->mu);
          if (alive->connector != nullptr) alive->connector->OnReportAcked(id, ack);
        });
    std::lock_guard lock(mu_);
    auto it = reports_.find(id);
    if (it == reports_.end()) continue;  // acked already
    if (queued.ok()) {
      it->second.queued = true;
    } else if (!it->second.refused) {
      it->second.refused = true;
      LogWarning("sip",
                 absl::StrCat("report not queued yet, tried again until it is: ", queued.message()),
                 id);
    }
  }
}

void SipConnector::OnReportAcked(const std::string& id, const omnibroker::v1::IngestAck& ack) {
  if (ack.status() == omnibroker::v1::INGEST_STATUS_REJECTED) {
    LogWarning("sip", absl::StrCat("report refused: ", ack.reason()), id);
  }
  std::lock_guard lock(mu_);
  reports_.erase(id);
}

}  // namespace omni::connectors::sip
