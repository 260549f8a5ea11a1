// What the SIP connector's wire tests share: a raw SIP peer on 127.0.0.1 (a UDP or TCP socket,
// optionally from another loopback address so it counts as another source) and the requests it
// sends.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "connectors/sip/sip_stream.h"

namespace omni::testing {

class SipSocket {
 public:
  // Connected to the connector's `port`, from `source` (any 127.x.y.z address is local); a
  // `receive_buffer` in bytes makes the socket's own buffer small (a slow reader's window).
  SipSocket(int type, int port, const std::string& source = "127.0.0.1", int receive_buffer = 0)
      : type_(type) {
    fd_ = socket(AF_INET, type, 0);
    if (receive_buffer > 0) {
      EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer)), 0);
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &address.sin_addr);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~SipSocket() { close(fd_); }
  SipSocket(const SipSocket&) = delete;
  SipSocket& operator=(const SipSocket&) = delete;

  int fd() const { return fd_; }
  void Send(const std::string& bytes) {
    ASSERT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), ssize_t(bytes.size()));
  }
  // The start line of the next message, or "" after `timeout` (or once the connection closed).
  std::string NextStatus(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    last_.clear();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (type_ == SOCK_STREAM) {
        if (auto message = stream_.Next(); message.has_value() && message->status.ok()) {
          last_ = message->bytes;
          break;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return "";
      char buffer[65536];
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return "";
      if (type_ == SOCK_DGRAM) {
        last_.assign(buffer, n);
        break;
      }
      stream_.Append(std::string_view(buffer, n));
    }
    return last_.substr(0, last_.find("\r\n"));
  }
  const std::string& last() const { return last_; }
  // Whether the connector closed this TCP connection (an end or a reset) within `timeout`;
  // messages before that are skipped.
  bool ClosedWithin(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[65536];
      if (recv(fd_, buffer, sizeof(buffer), 0) <= 0) return true;
    }
    return false;
  }

 private:
  int type_;
  int fd_ = -1;
  connectors::sip::SipStream stream_;
  std::string last_;
};

// A request as a user agent sends it (Via branch and Call-ID from `call_id`), with the Contact,
// User-Agent and Allow real ones carry: larger than any answer of the connector, as a request over
// UDP must be to be answered.
inline std::string SipRequestText(const std::string& method, const std::string& call_id,
                                  const std::string& body = "") {
  return absl::StrCat(method, " sip:support@127.0.0.1 SIP/2.0\r\n",
                      "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-", call_id, "\r\n",
                      "From: \"Bob\" <sip:+4915100000077@127.0.0.1>;tag=bob1\r\n",
                      "To: <sip:support@127.0.0.1>\r\nCall-ID: ", call_id, "\r\n", "CSeq: 1 ",
                      method, "\r\nMax-Forwards: 70\r\nContact: <sip:bob@127.0.0.1:5999>\r\n",
                      "User-Agent: omni-sip-test\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n",
                      "Content-Length: ", body.size(), "\r\n\r\n", body);
}

}  // namespace omni::testing
