// SIP over TCP is a byte stream: a message ends after its headers' blank line plus Content-Length
// bytes of body (RFC 3261 18.3). A connection's stream never holds more than one message's worth
// of bytes (the SIP max message size): a message whose headers or Content-Length go past it cannot
// be framed, and the connection has to close after it. Pure, so it is unit tested and fuzzed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace omni::connectors::sip {

// The largest SIP message the connector takes on either transport (a UDP datagram's limit too).
inline constexpr size_t kMaxMessageBytes = 65536;

// One message off the front of a stream, or the one too large to take.
struct StreamMessage {
  // The whole message; for one too large, its headers when they all came (enough to answer 513
  // Message Too Large), else empty.
  std::string bytes;
  absl::Status status;  // OK, or RESOURCE_EXHAUSTED saying what is too large
};

// The bytes of one TCP connection not yet framed into messages.
class SipStream {
 public:
  explicit SipStream(size_t max_message_bytes = kMaxMessageBytes) : max_(max_message_bytes) {}

  // How many more bytes the stream takes now: read no more than this off the socket. Never 0
  // while Next() returns nullopt, so the stream always moves on.
  size_t room() const { return max_ - buffer_.size(); }
  // Appends the first room() bytes of `bytes`; the rest is not taken.
  void Append(std::string_view bytes);
  // The next whole message (CRLF keepalives before it skipped), nullopt while it is incomplete.
  // After a message too large the stream takes nothing more: the connection must close.
  std::optional<StreamMessage> Next();
  size_t buffered() const { return buffer_.size(); }

 private:
  const size_t max_;
  std::string buffer_;
  size_t searched_ = 0;  // how far the blank line was looked for, so a trickle is not rescanned
  bool broken_ = false;
};

}  // namespace omni::connectors::sip
