#include "connectors/email/mail_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace omni::connectors::email {
namespace {

// How often a wait looks at the stop flag.
constexpr auto kPollSlice = std::chrono::milliseconds(200);

}  // namespace

MailSocket::MailSocket(int fd, const std::atomic<bool>* stopping) : fd_(fd), stopping_(stopping) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

MailSocket::~MailSocket() { close(fd_); }

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
