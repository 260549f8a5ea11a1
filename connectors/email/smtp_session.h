// One SMTP or LMTP dialogue (RFC 5321, RFC 2033) over a connected socket: EHLO/HELO or LHLO,
// MAIL (SIZE=, BODY=8BITMIME), RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT. Pipelined
// commands are read from the buffer and answered in order. The mail is handed to a MailHandler,
// whose reply is the answer to DATA (LMTP: repeated once per recipient), so the sending server
// hears 250 only once the handler says the mail is safe.
//
// Thread: runs on its connection's thread until QUIT, EOF, idle timeout or `stopping` (421).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace omni::connectors::email {

enum class MailProtocol { kSmtp, kLmtp };

struct Envelope {
  std::string mail_from;                // the reverse path; empty for a bounce ("<>")
  std::vector<std::string> recipients;  // RCPT TO mailboxes, in order
};

// Returns the full reply line to DATA without CRLF, e.g. "250 2.0.0 stored" or "451 4.3.0 …".
using MailHandler = std::function<std::string(const Envelope&, std::string raw)>;

struct SessionOptions {
  MailProtocol protocol = MailProtocol::kSmtp;
  std::string hostname = "omnibroker";
  int64_t max_message_bytes = 10 * 1024 * 1024;
  size_t max_recipients = 100;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
};

// Serves `fd` (which the caller closes afterwards) until the dialogue ends.
void ServeSession(int fd, const SessionOptions& options, const MailHandler& handler,
                  const std::atomic<bool>& stopping);

}  // namespace omni::connectors::email
