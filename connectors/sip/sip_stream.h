// SIP over TCP is a byte stream: a message ends after its headers' blank line plus Content-Length
// bytes of body (RFC 3261 18.3). Pure, so it is unit tested.
#pragma once

#include <optional>
#include <string>

namespace omni::connectors::sip {

// Takes the first whole message off the front of `buffer` (skipping CRLF keepalives before it),
// or nullopt while it is incomplete. A missing or unreadable Content-Length counts as 0.
std::optional<std::string> NextStreamMessage(std::string& buffer);

}  // namespace omni::connectors::sip
