// A small SMTP client for the outbound relay (RFC 5321: EHLO, MAIL, RCPT, DATA with
// dot-stuffing, QUIT) over a plain socket. Written here rather than with libcurl's SMTP because
// the server side already speaks the protocol, and the relay's exact reply is what the error must
// carry. Errors: connection trouble and 4xx → UNAVAILABLE (the host retries); 5xx →
// FAILED_PRECONDITION with the relay's words.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/status.h"

namespace omni::connectors::email {

struct RelayOptions {
  std::string host = "127.0.0.1";
  int port = 25;
  std::string hostname = "omnibroker";  // said in EHLO
  std::chrono::seconds timeout{30};     // per reply
};

// Sends `raw` (LF or CRLF line ends) from `from` to `to` through the relay.
absl::Status SendThroughRelay(const RelayOptions& relay, const std::string& from,
                              const std::string& to, const std::string& raw);

}  // namespace omni::connectors::email
