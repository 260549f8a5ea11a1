// A small SMTP client for the outbound relay (RFC 5321: EHLO, MAIL, RCPT, DATA with
// dot-stuffing, QUIT), over STARTTLS (RFC 3207), TLS from the first byte (RFC 8314, port 465) or
// plain, with AUTH PLAIN or LOGIN (RFC 4954) when a username is set. The relay's certificate is
// verified, and that it names the relay host. Written here rather than with libcurl's SMTP
// because the server side already speaks the protocol, and the relay's exact reply is what the
// error must carry. Errors: connection trouble and 4xx → UNAVAILABLE (the host retries); 5xx, a
// refused certificate, a relay without STARTTLS or the AUTH asked for → FAILED_PRECONDITION with
// the reason.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "connectors/email/tls_context.h"

namespace omni::connectors::email {

enum class RelaySecurity {
  kNone,      // plain, and never AUTH
  kInsecure,  // plain with AUTH: the password crosses the network in the clear
  kStartTls,  // plain, then STARTTLS before anything else; a relay without it is refused
  kTls,       // TLS from the first byte
};

struct RelayOptions {
  std::string host = "127.0.0.1";  // a name or an IP address
  int port = 25;
  std::string hostname = "omnibroker";  // said in EHLO
  RelaySecurity security = RelaySecurity::kNone;
  TlsContext tls;        // verifies the relay: required with kStartTls and kTls
  std::string username;  // "": no AUTH
  std::string password;
  std::chrono::seconds timeout{30};  // per reply
};

// Sends `raw` (LF or CRLF line ends) from `from` to `to` through the relay.
absl::Status SendThroughRelay(const RelayOptions& relay, const std::string& from,
                              const std::string& to, const std::string& raw);

}  // namespace omni::connectors::email
