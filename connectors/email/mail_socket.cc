#include "connectors/email/mail_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace omni::connectors::email {
namespace {

// How often a wait looks at the stop flag.
constexpr auto kPollSlice = std::chrono::milliseconds(200);

bool IsIpAddress(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), address) == 1;
}

}  // namespace

MailSocket::MailSocket(int fd, const std::atomic<bool>* stopping) : fd_(fd), stopping_(stopping) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

MailSocket::~MailSocket() {
  if (ssl_ && SSL_is_init_finished(ssl_.get())) SSL_shutdown(ssl_.get());  // one try: no wait
  ssl_.reset();
  close(fd_);
}

absl::StatusOr<std::unique_ptr<MailSocket>> MailSocket::Connect(const std::string& host, int port,
                                                                Deadline deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int error = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); error != 0) {
    return absl::UnavailableError(absl::StrCat(host, ":", port, ": ", gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  std::string why = "no address";
  for (const addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    const int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    auto socket = std::make_unique<MailSocket>(fd);
    if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        why = std::strerror(errno);
        continue;
      }
      if (socket->WaitFor(POLLOUT, deadline) != IoResult::kOk) {
        why = "no connection in time";
        continue;
      }
      int error = 0;
      socklen_t length = sizeof(error);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        why = std::strerror(error);
        continue;
      }
    }
    return socket;
  }
  return absl::UnavailableError(absl::StrCat(host, ":", port, ": ", why));
}

IoResult MailSocket::CallTls(const std::function<int()>& call, Deadline deadline) {
  while (true) {
    ERR_clear_error();
    errno = 0;
    const int result = call();
    if (result > 0) return IoResult::kOk;
    IoResult waited = IoResult::kOk;
    switch (SSL_get_error(ssl_.get(), result)) {
      case SSL_ERROR_WANT_READ:
        waited = WaitFor(POLLIN, deadline);
        break;
      case SSL_ERROR_WANT_WRITE:
        waited = WaitFor(POLLOUT, deadline);
        break;
      case SSL_ERROR_ZERO_RETURN:
        error_ = "connection closed by the peer";
        return IoResult::kClosed;
      case SSL_ERROR_SYSCALL:
        error_ = errno != 0 ? std::strerror(errno) : "connection closed by the peer";
        return IoResult::kClosed;
      default: {
        char text[256];
        ERR_error_string_n(ERR_peek_last_error(), text, sizeof(text));
        error_ = absl::StrCat("TLS: ", text);
        return IoResult::kClosed;
      }
    }
    if (waited != IoResult::kOk) return waited;
  }
}

IoResult MailSocket::StartTlsServer(SSL_CTX* context, Deadline deadline) {
  ssl_.reset(SSL_new(context));
  SSL_set_fd(ssl_.get(), fd_);
  return CallTls([this] { return SSL_accept(ssl_.get()); }, deadline);
}

IoResult MailSocket::StartTlsClient(SSL_CTX* context, const std::string& host, Deadline deadline) {
  ssl_.reset(SSL_new(context));
  SSL_set_fd(ssl_.get(), fd_);
  if (IsIpAddress(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_.get(), host.c_str());
    SSL_set_hostflags(ssl_.get(), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl_.get(), host.c_str());
  }
  const IoResult result = CallTls([this] { return SSL_connect(ssl_.get()); }, deadline);
  if (const long verified = SSL_get_verify_result(ssl_.get());
      result == IoResult::kClosed && verified != X509_V_OK) {
    certificate_refused_ = true;
    error_ = absl::StrCat("certificate of ", host,
                          " refused: ", X509_verify_cert_error_string(verified));
  }
  return result;
}

IoResult MailSocket::WaitFor(short events, Deadline deadline) {
  while (true) {
    if (stopping_ != nullptr && *stopping_) return IoResult::kStopping;
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return IoResult::kTimeout;
    pollfd p{fd_, events, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min(left, kPollSlice).count()));
    if (ready > 0) return IoResult::kOk;  // readiness, or an error the next call reports
    if (ready < 0 && errno != EINTR) {
      error_ = std::strerror(errno);
      return IoResult::kClosed;
    }
  }
}

IoResult MailSocket::Read(size_t max, std::string& out, Deadline deadline) {
  const size_t had = out.size();
  out.resize(had + max);
  if (ssl_) {
    size_t got = 0;
    const IoResult result =
        CallTls([&] { return SSL_read_ex(ssl_.get(), out.data() + had, max, &got); }, deadline);
    out.resize(had + got);
    return result;
  }
  while (true) {
    const ssize_t n = recv(fd_, out.data() + had, max, 0);
    if (n > 0) {
      out.resize(had + static_cast<size_t>(n));
      return IoResult::kOk;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (IoResult waited = WaitFor(POLLIN, deadline); waited != IoResult::kOk) {
        out.resize(had);
        return waited;
      }
      continue;
    }
    error_ = n == 0 ? "connection closed by the peer" : std::strerror(errno);
    out.resize(had);
    return IoResult::kClosed;
  }
}

IoResult MailSocket::Write(std::string_view bytes, Deadline deadline) {
  if (ssl_ && !bytes.empty()) {
    size_t written = 0;
    return CallTls([&] { return SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written); },
                   deadline);
  }
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (IoResult waited = WaitFor(POLLOUT, deadline); waited != IoResult::kOk) return waited;
      continue;
    }
    error_ = std::strerror(errno);
    return IoResult::kClosed;
  }
  return IoResult::kOk;
}

LineReader::Result LineReader::Next(std::string& line, size_t max_length, Deadline deadline) {
  while (true) {
    const size_t end = buffer_.find('\n');
    if (skipping_) {
      if (end == std::string::npos) {
        buffer_.clear();
      } else {
        buffer_.erase(0, end + 1);
        skipping_ = false;
        continue;
      }
    } else if (end != std::string::npos) {
      const size_t length = end > 0 && buffer_[end - 1] == '\r' ? end - 1 : end;
      const bool fits = length + 2 <= max_length;
      if (fits) line.assign(buffer_, 0, length);
      buffer_.erase(0, end + 1);
      return fits ? Result::kLine : Result::kTooLong;
    } else if (buffer_.size() >= max_length) {
      buffer_.clear();
      skipping_ = true;
      return Result::kTooLong;
    }
    const size_t room = skipping_ ? max_length : max_length - buffer_.size();
    switch (socket_.Read(room, buffer_, deadline)) {
      case IoResult::kOk:
        break;
      case IoResult::kClosed:
        return Result::kClosed;
      case IoResult::kTimeout:
        return Result::kTimeout;
      case IoResult::kStopping:
        return Result::kStopping;
    }
  }
}

}  // namespace omni::connectors::email
