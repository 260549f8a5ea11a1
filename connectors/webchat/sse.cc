#include "connectors/webchat/sse.h"

#include <charconv>

namespace omni::connectors::webchat {

std::string SseEvent(uint64_t index, std::string_view data) {
  std::string out = "id: " + std::to_string(index) + "\n";
  // CR, LF and CRLF all end a line for an EventSource, so each starts a new "data:" field.
  while (true) {
    const size_t end = data.find_first_of("\r\n");
    out.append("data: ").append(data.substr(0, end)).append("\n");
    if (end == std::string_view::npos) break;
    const bool crlf = data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n';
    data.remove_prefix(end + (crlf ? 2 : 1));
  }
  out += "\n";
  return out;
}

absl::StatusOr<uint64_t> ResumeIndex(std::string_view last_event_id) {
  if (last_event_id.empty()) return 0;
  uint64_t index = 0;
  const char* end = last_event_id.data() + last_event_id.size();
  auto [parsed_to, error] = std::from_chars(last_event_id.data(), end, index);
  if (error != std::errc() || parsed_to != end) {
    return absl::InvalidArgumentError("Last-Event-ID must be a non-negative integer");
  }
  return index;
}

}  // namespace omni::connectors::webchat
