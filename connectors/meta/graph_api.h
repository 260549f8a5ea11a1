// The Graph API's answers to a send (WhatsApp Cloud /messages, the Messenger and Instagram Send
// API), read one way for the three channels: a messaging rule the agent must know about
// (WhatsApp's 24-hour customer service window, Messenger's standard messaging window, a person
// who is not available) is FAILED_PRECONDITION with a message a person can act on; rate limits
// and Meta's transient errors are UNAVAILABLE (the host retries); a bad token is
// PERMISSION_DENIED; anything else falls back to StatusFromHttp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "connectors/sdk/provider_client.h"

namespace omni::connectors::meta {

// The "error" object of a Graph API answer (code 0 when the body has none).
struct GraphError {
  int64_t code = 0;
  int64_t subcode = 0;
  std::string message;
};

GraphError ParseGraphError(std::string_view body);

// The Messenger Platform Send API's body for a text reply to the user `to` (Messenger's PSID,
// Instagram's IGSID).
std::string SendApiTextMessage(const std::string& to, const std::string& text);

// OK for 2xx; otherwise the status described above. `what` names the call in the message
// ("whatsapp /messages").
absl::Status SendStatus(const ProviderResponse& response, std::string_view what);

}  // namespace omni::connectors::meta
