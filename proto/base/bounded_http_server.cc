#include "base/bounded_http_server.h"

#include <netdb.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

#include "absl/strings/str_cat.h"

namespace omni {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// How long a connection is still read, and what it sends discarded, once it was answered: a peer
// still sending when the socket closes would get a reset, which can destroy the answer before it
// is read.
constexpr std::chrono::milliseconds kLinger{1000};

// The end of the request line and headers in `bytes` (just past the empty line), searched from
// `from`; a bare LF ends a line as well as CRLF, as cpp-httplib may accept either.
std::optional<size_t> HeadEnd(const std::string& bytes, size_t from) {
  for (size_t at = bytes.find('\n', from); at != std::string::npos; at = bytes.find('\n', at + 1)) {
    if (at + 1 < bytes.size() && bytes[at + 1] == '\n') return at + 2;
    if (at + 2 < bytes.size() && bytes[at + 1] == '\r' && bytes[at + 2] == '\n') return at + 3;
  }
  return std::nullopt;
}

void NumericAddress(const sockaddr_storage& address, socklen_t length, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof(host), service,
                  sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

// One connection's bytes, read under the server's bounds; cpp-httplib parses from it.
class BoundedStream final : public httplib::Stream {
 public:
  BoundedStream(socket_t sock, int stopping, const RequestBounds& bounds)
      : sock_(sock),
        stopping_(stopping),
        bounds_(bounds),
        deadline_(std::chrono::steady_clock::now() + bounds.timeout) {}

  // Reads up to the empty line that ends the headers. OK; DEADLINE_EXCEEDED or
  // RESOURCE_EXHAUSTED, to be answered; UNAVAILABLE when there is no one to answer (the sender
  // left, the server stops).
  absl::Status ReadHead() {
    size_t searched = 0;
    while (true) {
      if (auto end = HeadEnd(buffer_, searched)) {
        if (*end > bounds_.max_head_bytes) break;
        body_bytes_ = buffer_.size() - *end;
        return absl::OkStatus();
      }
      if (buffer_.size() > bounds_.max_head_bytes) break;
      searched = buffer_.size() < 2 ? 0 : buffer_.size() - 2;
      const ssize_t received = Receive(bounds_.max_head_bytes + 1 - buffer_.size());
      if (received < 0 && !stopped_.ok()) return stopped_;
      if (received <= 0) return absl::UnavailableError("the sender closed the connection");
    }
    return absl::ResourceExhaustedError(
        absl::StrCat("request line and headers exceed ", bounds_.max_head_bytes, " bytes"));
  }

  // Why reading stopped short of what cpp-httplib asked for: a bound, a shutdown, or OK.
  const absl::Status& stopped() const { return stopped_; }

  // Reads what the sender still sends until it closes, kLinger passes or the server stops.
  void Linger() {
    shutdown(sock_, SHUT_WR);
    deadline_ = std::chrono::steady_clock::now() + kLinger;
    while (true) {
      buffer_.clear();
      if (Receive(64 << 10) <= 0) return;
    }
  }

  bool is_readable() const override { return offset_ < buffer_.size() || Wait(POLLIN, deadline_); }
  bool is_writable() const override {
    return Wait(POLLOUT, std::chrono::steady_clock::now() + bounds_.timeout);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (offset_ == buffer_.size()) {
      buffer_.clear();
      offset_ = 0;
      if (body_bytes_ > bounds_.max_body_wire_bytes) return TooMuchBody();
      const ssize_t received = Receive(bounds_.max_body_wire_bytes + 1 - body_bytes_);
      if (received <= 0) return received;
      body_bytes_ += static_cast<size_t>(received);
      if (body_bytes_ > bounds_.max_body_wire_bytes) return TooMuchBody();
    }
    const size_t n = std::min(size, buffer_.size() - offset_);
    std::copy_n(buffer_.data() + offset_, n, ptr);
    offset_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return send(sock_, ptr, size, MSG_NOSIGNAL);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (getpeername(sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      NumericAddress(address, length, ip, port);
    }
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (getsockname(sock_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
      NumericAddress(address, length, ip, port);
    }
  }
  socket_t socket() const override { return sock_; }

 private:
  // Whether `sock_` is ready for `events` before `deadline`, waking early on Shutdown().
  bool Wait(short events, SteadyTime deadline) const {
    while (true) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd fds[2] = {{sock_, events, 0}, {stopping_, POLLIN, 0}};
      const int ready = poll(fds, 2, static_cast<int>(left.count()));
      if (ready < 0 && errno != EINTR) return false;
      if (fds[1].revents != 0) return false;
      if (ready > 0) return true;
    }
  }

  // Appends up to `at_most` bytes as soon as some arrive: their count, 0 when the sender closed,
  // -1 past the deadline, on Shutdown() or on an error (stopped_ says which of the first two).
  ssize_t Receive(size_t at_most) {
    char chunk[16 << 10];
    while (true) {
      if (!Wait(POLLIN, deadline_)) {
        stopped_ = IsStopping()
                       ? absl::UnavailableError("the server is shutting down")
                       : absl::DeadlineExceededError(absl::StrCat("request not received within ",
                                                                  bounds_.timeout.count(), " ms"));
        return -1;
      }
      const ssize_t n = recv(sock_, chunk, std::min(sizeof(chunk), at_most), 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
      return n;
    }
  }

  ssize_t TooMuchBody() {
    stopped_ = absl::ResourceExhaustedError(
        absl::StrCat("body exceeds ", bounds_.max_body_wire_bytes, " bytes as sent"));
    return -1;
  }

  bool IsStopping() const {
    pollfd stop{stopping_, POLLIN, 0};
    return poll(&stop, 1, 0) > 0;
  }

  const socket_t sock_;
  const int stopping_;
  const RequestBounds& bounds_;
  SteadyTime deadline_;
  std::string buffer_;  // received, not yet handed to cpp-httplib from offset_ on
  size_t offset_ = 0;
  size_t body_bytes_ = 0;  // received after the headers
  absl::Status stopped_;
};

// The stream whose request this thread's handler is serving: cpp-httplib serves a connection on
// one thread and gives its handlers no way to reach the connection.
thread_local const BoundedStream* serving = nullptr;

// A refusal written straight to the stream, before cpp-httplib parsed anything.
void WriteRefusal(BoundedStream& stream, int status, const std::string& reason) {
  const char* const phrase = status == 408 ? "Request Timeout" : "Request Header Fields Too Large";
  const std::string answer = absl::StrCat(
      "HTTP/1.1 ", status, " ", phrase,
      "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: ", reason.size(),
      "\r\n\r\n", reason);
  for (size_t sent = 0; sent < answer.size();) {
    const ssize_t n = stream.write(answer.data() + sent, answer.size() - sent);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

BoundedHttpServer::BoundedHttpServer(RequestBounds bounds, RefusalFn on_refusal)
    : bounds_(bounds), on_refusal_(std::move(on_refusal)), stopping_(eventfd(0, EFD_CLOEXEC)) {}

BoundedHttpServer::~BoundedHttpServer() {
  if (stopping_ >= 0) close(stopping_);
}

void BoundedHttpServer::Shutdown() {
  const uint64_t one = 1;
  if (stopping_ >= 0) (void)::write(stopping_, &one, sizeof(one));
  stop();
}

absl::Status BoundedHttpServer::BodyStopped() {
  return serving != nullptr ? serving->stopped() : absl::OkStatus();
}

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  BoundedStream stream(sock, stopping_, bounds_);
  bool served = false;
  const absl::Status head = stream.ReadHead();
  if (head.ok()) {
    serving = &stream;
    bool connection_closed = false;
    served = process_request(stream, /*close_connection=*/true, connection_closed, nullptr);
    serving = nullptr;
  } else if (absl::IsDeadlineExceeded(head) || absl::IsResourceExhausted(head)) {
    const int status = absl::IsDeadlineExceeded(head) ? 408 : 431;
    const std::string reason(head.message());
    WriteRefusal(stream, status, reason);
    std::string remote_addr;
    int remote_port = 0;
    stream.get_remote_ip_and_port(remote_addr, remote_port);
    if (on_refusal_) on_refusal_(status, reason, remote_addr);
  }
  stream.Linger();
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return served;
}

}  // namespace omni
