// Server-Sent Events framing for the web chat stream (GET /v1/stream): one event per transcript
// message, its `id:` the mailbox index so a browser's Last-Event-ID resumes after a drop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors::webchat {

// "id: <index>\ndata: <line>\n…\n\n" — every line of `data` (ended by CR, LF or CRLF) gets its
// own "data:" field.
std::string SseEvent(uint64_t index, std::string_view data);
// A comment line that keeps idle proxies from closing the stream.
inline constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";
// The index to resume after, from a Last-Event-ID header value ("" = from the start).
absl::StatusOr<uint64_t> ResumeIndex(std::string_view last_event_id);

}  // namespace omni::connectors::webchat
