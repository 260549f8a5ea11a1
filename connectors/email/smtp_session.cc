#include "connectors/email/smtp_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace omni::connectors::email {
namespace {

constexpr size_t kMaxCommandLine = 1000;  // RFC 5321 4.5.3.1.4, CRLF included
constexpr auto kPollSlice = std::chrono::milliseconds(200);

// Buffered line reads that notice shutdown and idleness while waiting.
class LineReader {
 public:
  LineReader(int fd, const std::atomic<bool>& stopping, std::chrono::milliseconds idle)
      : fd_(fd), stopping_(stopping), idle_(idle) {}

  enum class Result { kLine, kClosed, kStopping, kIdle };

  // One line without its CRLF (a bare LF ends a line too).
  Result Next(std::string& line) {
    auto waited = std::chrono::milliseconds(0);
    while (true) {
      if (size_t end = buffer_.find('\n'); end != std::string::npos) {
        line = buffer_.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        buffer_.erase(0, end + 1);
        return Result::kLine;
      }
      if (stopping_) return Result::kStopping;
      pollfd p{fd_, POLLIN, 0};
      const int ready = poll(&p, 1, static_cast<int>(kPollSlice.count()));
      if (ready < 0) return Result::kClosed;
      if (ready == 0) {
        waited += kPollSlice;
        if (waited >= idle_) return Result::kIdle;
        continue;
      }
      char chunk[16384];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return Result::kClosed;
      buffer_.append(chunk, static_cast<size_t>(n));
      waited = std::chrono::milliseconds(0);
    }
  }

 private:
  const int fd_;
  const std::atomic<bool>& stopping_;
  const std::chrono::milliseconds idle_;
  std::string buffer_;
};

bool Send(int fd, absl::string_view reply) {
  const std::string line = absl::StrCat(reply, "\r\n");
  size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// "<a@b>" after "FROM:" / "TO:", with ESMTP parameters after it; nullopt when malformed.
struct PathArgument {
  std::string mailbox;
  std::vector<std::string> parameters;
};
std::optional<PathArgument> ParsePath(absl::string_view args, absl::string_view keyword) {
  if (!absl::StartsWithIgnoreCase(args, keyword)) return std::nullopt;
  args = absl::StripLeadingAsciiWhitespace(args.substr(keyword.size()));
  if (args.empty() || args.front() != '<') return std::nullopt;
  const size_t close = args.find('>');
  if (close == absl::string_view::npos) return std::nullopt;
  PathArgument path{std::string(args.substr(1, close - 1)), {}};
  for (absl::string_view p : absl::StrSplit(args.substr(close + 1), ' ', absl::SkipEmpty())) {
    path.parameters.push_back(absl::AsciiStrToUpper(p));
  }
  return path;
}

class Session {
 public:
  Session(int fd, const SessionOptions& options, const MailHandler& handler,
          const std::atomic<bool>& stopping)
      : fd_(fd), options_(options), handler_(handler), reader_(fd, stopping, options.idle_timeout) {}

  void Run() {
    const bool lmtp = options_.protocol == MailProtocol::kLmtp;
    if (!Send(fd_, absl::StrCat("220 ", options_.hostname, lmtp ? " LMTP" : " ESMTP",
                                " omnibroker ready"))) {
      return;
    }
    std::string line;
    while (true) {
      switch (reader_.Next(line)) {
        case LineReader::Result::kLine:
          break;
        case LineReader::Result::kClosed:
          return;
        case LineReader::Result::kStopping:
          Send(fd_, "421 4.3.2 shutting down, try again later");
          return;
        case LineReader::Result::kIdle:
          Send(fd_, "421 4.4.2 idle too long, closing");
          return;
      }
      if (!Command(line)) return;
    }
  }

 private:
  // Answers one command line; false ends the session.
  bool Command(absl::string_view line) {
    if (line.size() + 2 > kMaxCommandLine) return Send(fd_, "500 5.5.2 line too long");
    const size_t space = line.find(' ');
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, space));
    const absl::string_view args =
        space == absl::string_view::npos ? absl::string_view() : line.substr(space + 1);
    const bool lmtp = options_.protocol == MailProtocol::kLmtp;
    if (verb == (lmtp ? "LHLO" : "EHLO")) return Hello(args, /*extended=*/true);
    if (!lmtp && verb == "HELO") return Hello(args, /*extended=*/false);
    if (verb == "MAIL") return Mail(args);
    if (verb == "RCPT") return Rcpt(args);
    if (verb == "DATA") return Data();
    if (verb == "RSET") {
      envelope_ = Envelope{};
      in_transaction_ = false;
      return Send(fd_, "250 2.0.0 reset");
    }
    if (verb == "NOOP") return Send(fd_, "250 2.0.0 ok");
    if (verb == "QUIT") {
      Send(fd_, "221 2.0.0 bye");
      return false;
    }
    if (verb == "HELO" || verb == "EHLO" || verb == "LHLO") {
      return Send(fd_, lmtp ? "500 5.5.1 this is LMTP: use LHLO" : "500 5.5.1 this is SMTP: use EHLO");
    }
    return Send(fd_, absl::StrCat("500 5.5.1 command '", verb, "' not recognized"));
  }

  bool Hello(absl::string_view args, bool extended) {
    if (absl::StripAsciiWhitespace(args).empty()) {
      return Send(fd_, "501 5.5.4 a domain or address literal is required");
    }
    greeted_ = true;
    envelope_ = Envelope{};
    in_transaction_ = false;
    if (!extended) return Send(fd_, absl::StrCat("250 ", options_.hostname));
    return Send(fd_, absl::StrCat("250-", options_.hostname, "\r\n250-SIZE ",
                                  options_.max_message_bytes,
                                  "\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES"));
  }

  bool Mail(absl::string_view args) {
    if (!greeted_) return Send(fd_, "503 5.5.1 say hello first");
    if (in_transaction_) return Send(fd_, "503 5.5.1 MAIL already given; RSET first");
    auto path = ParsePath(args, "FROM:");
    if (!path) return Send(fd_, "501 5.5.4 syntax: MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME]");
    for (const std::string& parameter : path->parameters) {
      if (absl::StartsWith(parameter, "SIZE=")) {
        int64_t size = 0;
        if (!absl::SimpleAtoi(absl::string_view(parameter).substr(5), &size)) {
          return Send(fd_, "501 5.5.4 SIZE= is not a number");
        }
        if (size > options_.max_message_bytes) {
          return Send(fd_, absl::StrCat("552 5.3.4 message size exceeds ",
                                        options_.max_message_bytes, " bytes"));
        }
      } else if (parameter != "BODY=8BITMIME" && parameter != "BODY=7BIT") {
        return Send(fd_, absl::StrCat("555 5.5.4 parameter '", parameter, "' not supported"));
      }
    }
    envelope_ = Envelope{path->mailbox, {}};
    in_transaction_ = true;
    return Send(fd_, "250 2.1.0 sender ok");
  }

  bool Rcpt(absl::string_view args) {
    if (!in_transaction_) return Send(fd_, "503 5.5.1 MAIL first");
    auto path = ParsePath(args, "TO:");
    if (!path || path->mailbox.find('@') == std::string::npos) {
      return Send(fd_, "501 5.5.4 syntax: RCPT TO:<mailbox@domain>");
    }
    if (envelope_.recipients.size() >= options_.max_recipients) {
      return Send(fd_, "452 4.5.3 too many recipients");
    }
    envelope_.recipients.push_back(path->mailbox);
    return Send(fd_, "250 2.1.5 recipient ok");
  }

  bool Data() {
    if (!in_transaction_ || envelope_.recipients.empty()) {
      return Send(fd_, "503 5.5.1 RCPT first");
    }
    if (!Send(fd_, "354 end data with <CR><LF>.<CR><LF>")) return false;
    std::string raw;
    bool too_big = false;
    std::string line;
    while (true) {
      switch (reader_.Next(line)) {
        case LineReader::Result::kLine:
          break;
        case LineReader::Result::kStopping:
          Send(fd_, "421 4.3.2 shutting down, try again later");
          return false;
        case LineReader::Result::kIdle:
          Send(fd_, "421 4.4.2 idle too long in DATA, closing");
          return false;
        case LineReader::Result::kClosed:
          return false;
      }
      if (line == ".") break;
      absl::string_view text = line;
      if (absl::StartsWith(text, ".")) text.remove_prefix(1);  // dot-unstuffing
      if (too_big) continue;
      if (static_cast<int64_t>(raw.size() + text.size() + 2) > options_.max_message_bytes) {
        too_big = true;
        raw.clear();
        continue;
      }
      absl::StrAppend(&raw, text, "\r\n");
    }
    const size_t replies =
        options_.protocol == MailProtocol::kLmtp ? envelope_.recipients.size() : 1;
    const std::string reply =
        too_big ? absl::StrCat("552 5.3.4 message exceeds ", options_.max_message_bytes, " bytes")
                : handler_(envelope_, std::move(raw));
    envelope_ = Envelope{};
    in_transaction_ = false;
    for (size_t i = 0; i < replies; ++i) {
      if (!Send(fd_, reply)) return false;
    }
    return true;
  }

  const int fd_;
  const SessionOptions& options_;
  const MailHandler& handler_;
  LineReader reader_;
  bool greeted_ = false;
  bool in_transaction_ = false;
  Envelope envelope_;
};

}  // namespace

void ServeSession(int fd, const SessionOptions& options, const MailHandler& handler,
                  const std::atomic<bool>& stopping) {
  Session(fd, options, handler, stopping).Run();
}

}  // namespace omni::connectors::email
