// One SMTP or LMTP dialogue (RFC 5321, RFC 2033) over a connected socket: EHLO/HELO or LHLO,
// STARTTLS (RFC 3207) when a certificate is configured, MAIL (SIZE=, BODY=8BITMIME), RCPT, DATA
// with dot-unstuffing, RSET, NOOP, QUIT. Pipelined
// commands are read from the buffer and answered in order. The mail is handed to a MailHandler,
// whose reply is the answer to DATA (LMTP: repeated once per recipient), so the sending server
// hears 250 only once the handler says the mail is safe.
//
// Every line is bounded (RFC 5321 4.5.3.1: a command line 512 bytes with its CRLF, plus what SIZE
// and BODY= add to MAIL; a text line 1000) and must arrive whole within idle_timeout; the whole
// dialogue ends at session_timeout. A longer line is answered without being kept.
//
// Thread: runs on its connection's thread until QUIT, EOF, a timeout or `stopping` (421).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "connectors/email/mailboxes.h"
#include "connectors/email/tls_context.h"

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
  Mailboxes mailboxes;       // RCPT TO of any other address: 550 5.1.1
  TlsContext tls;            // set: EHLO offers STARTTLS
  bool require_tls = false;  // MAIL before STARTTLS: 530 5.7.0
  int64_t max_message_bytes = 10 * 1024 * 1024;
  size_t max_recipients = 100;
  // How long a command line, or a line of DATA, may take to arrive whole (RFC 5321 4.5.3.2.7),
  // and a reply to be taken by the client; trickling bytes does not extend it.
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  // How long one connection may last, whatever it does.
  std::chrono::milliseconds session_timeout{std::chrono::minutes(30)};
};

// Serves `fd` until the dialogue ends, then closes it.
void ServeSession(int fd, const SessionOptions& options, const MailHandler& handler,
                  const std::atomic<bool>& stopping);

}  // namespace omni::connectors::email
