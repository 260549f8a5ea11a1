#include "connectors/email/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace omni::connectors::email {
namespace {

class RelayConnection {
 public:
  explicit RelayConnection(const RelayOptions& relay) : relay_(relay) {}
  ~RelayConnection() {
    if (fd_ >= 0) close(fd_);
  }

  absl::Status Connect() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(relay_.port));
    if (inet_pton(AF_INET, relay_.host.c_str(), &address.sin_addr) != 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("email relay: '", relay_.host, "' is not an IPv4 address"));
    }
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return absl::UnavailableError(
          absl::StrCat("email relay ", relay_.host, ":", relay_.port, ": ", strerror(errno)));
    }
    return Expect("greeting", 220);
  }

  // Sends `line` (CRLF added) and expects a reply with `code`.
  absl::Status Command(const std::string& line, int code) {
    if (auto s = Write(absl::StrCat(line, "\r\n")); !s.ok()) return s;
    return Expect(line.substr(0, line.find(' ')), code);
  }

  absl::Status Write(const std::string& bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return absl::UnavailableError(absl::StrCat("email relay: send: ", strerror(errno)));
      sent += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  // Reads one (possibly multi-line) reply and checks its code.
  absl::Status Expect(absl::string_view what, int code) {
    std::string reply;
    while (true) {
      std::string line;
      if (auto s = ReadLine(line); !s.ok()) return s;
      absl::StrAppend(&reply, reply.empty() ? "" : " / ", line);
      if (line.size() < 4 || line[3] != '-') break;
    }
    int got = 0;
    if (reply.size() < 3 || !absl::SimpleAtoi(absl::string_view(reply).substr(0, 3), &got)) {
      return absl::UnavailableError(absl::StrCat("email relay: not an SMTP reply: '", reply, "'"));
    }
    if (got == code) return absl::OkStatus();
    const std::string message = absl::StrCat("email relay after ", what, ": ", reply);
    return got >= 500 ? absl::FailedPreconditionError(message) : absl::UnavailableError(message);
  }

 private:
  absl::Status ReadLine(std::string& line) {
    while (true) {
      if (size_t end = buffer_.find('\n'); end != std::string::npos) {
        line = buffer_.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        buffer_.erase(0, end + 1);
        return absl::OkStatus();
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(relay_.timeout.count() * 1000)) <= 0) {
        return absl::UnavailableError("email relay: no reply in time");
      }
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return absl::UnavailableError("email relay: connection closed");
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  const RelayOptions& relay_;
  int fd_ = -1;
  std::string buffer_;
};

// CRLF line ends, a leading dot doubled, then the end-of-data line.
std::string DotStuffed(const std::string& raw) {
  absl::string_view body = raw;
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  std::string data;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::StrAppend(&data, line.empty() || line.front() != '.' ? "" : ".", line, "\r\n");
  }
  absl::StrAppend(&data, ".\r\n");
  return data;
}

}  // namespace

absl::Status SendThroughRelay(const RelayOptions& relay, const std::string& from,
                              const std::string& to, const std::string& raw) {
  RelayConnection connection(relay);
  if (auto s = connection.Connect(); !s.ok()) return s;
  if (auto s = connection.Command(absl::StrCat("EHLO ", relay.hostname), 250); !s.ok()) return s;
  if (auto s = connection.Command(absl::StrCat("MAIL FROM:<", from, ">"), 250); !s.ok()) return s;
  if (auto s = connection.Command(absl::StrCat("RCPT TO:<", to, ">"), 250); !s.ok()) return s;
  if (auto s = connection.Command("DATA", 354); !s.ok()) return s;
  if (auto s = connection.Write(DotStuffed(raw)); !s.ok()) return s;
  if (auto s = connection.Expect("end of data", 250); !s.ok()) return s;
  connection.Command("QUIT", 221).IgnoreError();  // the mail is accepted; a rude close is fine
  return absl::OkStatus();
}

}  // namespace omni::connectors::email
