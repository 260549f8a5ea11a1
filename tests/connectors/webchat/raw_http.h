// A raw HTTP/1.1 connection to 127.0.0.1, for tests that hold many requests open at once from one
// thread (an httplib::Client would need a thread per open stream) and look at what the server does
// with the connection itself.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace omni::connectors::webchat {

class RawHttpConnection {
 public:
  // Connects to 127.0.0.1:port, from `source` (another loopback address, 127.0.0.2, to stand for
  // another client) when given.
  explicit RawHttpConnection(int port, const char* source = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (source) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      inet_pton(AF_INET, source, &from.sin_addr);
      if (bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) Close();
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  ~RawHttpConnection() { Close(); }
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  bool Send(std::string_view bytes) {
    while (fd_ >= 0 && !bytes.empty()) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return fd_ >= 0;
  }

  // Everything read so far.
  const std::string& received() const { return received_; }
  // The status code of the response head once it has come in full, else 0.
  int status() const {
    if (received_.find("\r\n\r\n") == std::string::npos || received_.size() < 12) return 0;
    return std::stoi(received_.substr(9, 3));
  }
  // The value of `name` in the response head ("" when absent); `name` as the server writes it.
  std::string Header(std::string_view name) const {
    const size_t head_end = received_.find("\r\n\r\n");
    const size_t at = received_.find("\r\n" + std::string(name) + ": ");
    if (at == std::string::npos || at > head_end) return "";
    const size_t value = at + 4 + name.size();
    return received_.substr(value, received_.find("\r\n", value) - value);
  }

  // Reads until `marker` has come (true), or the server closed the connection or `deadline`
  // passed (false).
  bool ReadUntil(std::string_view marker, std::chrono::steady_clock::time_point deadline) {
    while (received_.find(marker) == std::string::npos) {
      if (!ReadSome(deadline)) return false;
    }
    return true;
  }
  // True when the server closes the connection before `deadline` (whatever it sends first).
  bool ClosedByServer(std::chrono::steady_clock::time_point deadline) {
    while (ReadSome(deadline)) {
    }
    return closed_by_server_;
  }

 private:
  // Appends what arrives before `deadline`; false on a close, an error or the deadline.
  bool ReadSome(std::chrono::steady_clock::time_point deadline) {
    if (fd_ < 0 || closed_by_server_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_by_server_ = true;
      return false;
    }
    received_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string received_;
  bool closed_by_server_ = false;
};

}  // namespace omni::connectors::webchat
