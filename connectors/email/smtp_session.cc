#include "connectors/email/smtp_session.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "connectors/email/mail_socket.h"

namespace omni::connectors::email {
namespace {

// RFC 5321 4.5.3.1.4: 512 bytes with the CRLF, which SIZE= (RFC 1870) and BODY= (RFC 6152) may
// lengthen by 26 and 14 bytes on MAIL.
constexpr size_t kMaxCommandLine = 512 + 26 + 14;
constexpr size_t kMaxTextLine = 1000;  // 4.5.3.1.6, CRLF included

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
      : options_(options),
        handler_(handler),
        socket_(fd, &stopping),
        reader_(socket_),
        session_end_(std::chrono::steady_clock::now() + options.session_timeout) {}

  void Run() {
    const bool lmtp = options_.protocol == MailProtocol::kLmtp;
    if (!Reply(absl::StrCat("220 ", options_.hostname, lmtp ? " LMTP" : " ESMTP",
                            " omnibroker ready"))) {
      return;
    }
    std::string line;
    while (true) {
      switch (NextLine(line, kMaxCommandLine, "")) {
        case Read::kEnd:
          return;
        case Read::kTooLong:
          if (!Reply("500 5.5.2 line too long")) return;
          continue;
        case Read::kLine:
          break;
      }
      if (!Command(line)) return;
    }
  }

 private:
  enum class Read { kLine, kTooLong, kEnd };

  // The next line for this session's deadlines. kEnd: the session is over (the client left, or
  // it was told 421 why: shutdown, idleness `where`, or the session's time limit).
  Read NextLine(std::string& line, size_t max_length, absl::string_view where) {
    const Deadline deadline = NextDeadline();
    switch (reader_.Next(line, max_length, deadline)) {
      case LineReader::Result::kLine:
        return Read::kLine;
      case LineReader::Result::kTooLong:
        return Read::kTooLong;
      case LineReader::Result::kClosed:
        return Read::kEnd;
      case LineReader::Result::kStopping:
        Reply("421 4.3.2 shutting down, try again later");
        return Read::kEnd;
      case LineReader::Result::kTimeout:
        Reply(deadline == session_end_
                  ? "421 4.4.2 session time limit reached, closing"
                  : absl::StrCat("421 4.4.2 idle too long", where, ", closing"));
        return Read::kEnd;
    }
    return Read::kEnd;
  }

  Deadline NextDeadline() const {
    return std::min(std::chrono::steady_clock::now() + options_.idle_timeout, session_end_);
  }

  // Sends one reply (CRLF added); false when the client does not take it in time.
  bool Reply(absl::string_view reply) {
    return socket_.Write(absl::StrCat(reply, "\r\n"), NextDeadline()) == IoResult::kOk;
  }

  // Answers one command line; false ends the session.
  bool Command(absl::string_view line) {
    const size_t space = line.find(' ');
    const std::string verb = absl::AsciiStrToUpper(line.substr(0, space));
    const absl::string_view args =
        space == absl::string_view::npos ? absl::string_view() : line.substr(space + 1);
    const bool lmtp = options_.protocol == MailProtocol::kLmtp;
    if (verb == (lmtp ? "LHLO" : "EHLO")) return Hello(args, /*extended=*/true);
    if (!lmtp && verb == "HELO") return Hello(args, /*extended=*/false);
    if (verb == "STARTTLS") return StartTls(args);
    if (verb == "MAIL") return Mail(args);
    if (verb == "RCPT") return Rcpt(args);
    if (verb == "DATA") return Data();
    if (verb == "RSET") {
      envelope_ = Envelope{};
      in_transaction_ = false;
      return Reply("250 2.0.0 reset");
    }
    if (verb == "NOOP") return Reply("250 2.0.0 ok");
    if (verb == "QUIT") {
      Reply("221 2.0.0 bye");
      return false;
    }
    if (verb == "HELO" || verb == "EHLO" || verb == "LHLO") {
      return Reply(lmtp ? "500 5.5.1 this is LMTP: use LHLO" : "500 5.5.1 this is SMTP: use EHLO");
    }
    return Reply(absl::StrCat("500 5.5.1 command '", verb, "' not recognized"));
  }

  bool Hello(absl::string_view args, bool extended) {
    if (absl::StripAsciiWhitespace(args).empty()) {
      return Reply("501 5.5.4 a domain or address literal is required");
    }
    greeted_ = true;
    envelope_ = Envelope{};
    in_transaction_ = false;
    if (!extended) return Reply(absl::StrCat("250 ", options_.hostname));
    const bool offer_tls = options_.tls && !socket_.secure();
    return Reply(absl::StrCat("250-", options_.hostname, "\r\n250-SIZE ",
                              options_.max_message_bytes, offer_tls ? "\r\n250-STARTTLS" : "",
                              "\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES"));
  }

  // RFC 3207: 220, the handshake, then the dialogue starts over (a new EHLO is needed). A failed
  // handshake leaves nothing to talk over: the session ends.
  bool StartTls(absl::string_view args) {
    if (!options_.tls) return Reply("502 5.5.1 STARTTLS is not offered here");
    if (socket_.secure()) return Reply("503 5.5.1 TLS is already active");
    if (!args.empty()) return Reply("501 5.5.4 STARTTLS takes no arguments");
    if (!Reply("220 2.0.0 ready to start TLS")) return false;
    reader_.Discard();
    if (socket_.StartTlsServer(options_.tls.get(), NextDeadline()) != IoResult::kOk) return false;
    greeted_ = false;
    envelope_ = Envelope{};
    in_transaction_ = false;
    return true;
  }

  bool Mail(absl::string_view args) {
    if (!greeted_) return Reply("503 5.5.1 say hello first");
    if (in_transaction_) return Reply("503 5.5.1 MAIL already given; RSET first");
    if (options_.require_tls && !socket_.secure()) {
      return Reply("530 5.7.0 Must issue a STARTTLS command first");
    }
    auto path = ParsePath(args, "FROM:");
    if (!path) return Reply("501 5.5.4 syntax: MAIL FROM:<address> [SIZE=n] [BODY=8BITMIME]");
    for (const std::string& parameter : path->parameters) {
      if (absl::StartsWith(parameter, "SIZE=")) {
        int64_t size = 0;
        if (!absl::SimpleAtoi(absl::string_view(parameter).substr(5), &size)) {
          return Reply("501 5.5.4 SIZE= is not a number");
        }
        if (size > options_.max_message_bytes) {
          return Reply(absl::StrCat("552 5.3.4 message size exceeds ", options_.max_message_bytes,
                                    " bytes"));
        }
      } else if (parameter != "BODY=8BITMIME" && parameter != "BODY=7BIT") {
        return Reply(absl::StrCat("555 5.5.4 parameter '", parameter, "' not supported"));
      }
    }
    envelope_ = Envelope{path->mailbox, {}};
    in_transaction_ = true;
    return Reply("250 2.1.0 sender ok");
  }

  bool Rcpt(absl::string_view args) {
    if (!in_transaction_) return Reply("503 5.5.1 MAIL first");
    auto path = ParsePath(args, "TO:");
    if (!path || path->mailbox.find('@') == std::string::npos) {
      return Reply("501 5.5.4 syntax: RCPT TO:<mailbox@domain>");
    }
    if (!options_.mailboxes.Contains(path->mailbox)) {
      return Reply(absl::StrCat("550 5.1.1 <", path->mailbox, ">: no such mailbox here"));
    }
    if (envelope_.recipients.size() >= options_.max_recipients) {
      return Reply("452 4.5.3 too many recipients");
    }
    envelope_.recipients.push_back(path->mailbox);
    return Reply("250 2.1.5 recipient ok");
  }

  bool Data() {
    if (!in_transaction_ || envelope_.recipients.empty()) {
      return Reply("503 5.5.1 RCPT first");
    }
    if (!Reply("354 end data with <CR><LF>.<CR><LF>")) return false;
    std::string raw;
    bool too_big = false;
    bool line_too_long = false;
    std::string line;
    while (true) {
      switch (NextLine(line, kMaxTextLine, " in DATA")) {
        case Read::kEnd:
          return false;
        case Read::kTooLong:
          line_too_long = true;
          continue;
        case Read::kLine:
          break;
      }
      if (line == ".") break;
      absl::string_view text = line;
      if (absl::StartsWith(text, ".")) text.remove_prefix(1);  // dot-unstuffing
      if (too_big || line_too_long) continue;
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
        : line_too_long
            ? absl::StrCat("554 5.6.0 a line of the message is over ", kMaxTextLine, " bytes")
            : handler_(envelope_, std::move(raw));
    envelope_ = Envelope{};
    in_transaction_ = false;
    for (size_t i = 0; i < replies; ++i) {
      if (!Reply(reply)) return false;
    }
    return true;
  }

  const SessionOptions& options_;
  const MailHandler& handler_;
  MailSocket socket_;
  LineReader reader_;
  const Deadline session_end_;
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
