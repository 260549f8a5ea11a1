#include "connectors/webchat/sse.h"

#include <charconv>

namespace omni::connectors::webchat {

std::string SseEvent(uint64_t index, std::string_view data) {
  std::string out = "id: " + std::to_string(index) + "\n";
  while (true) {
    const size_t end = data.find('\n');
    std::string_view line = data.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.append("data: ").append(line).append("\n");
    if (end == std::string_view::npos) break;
    data.remove_prefix(end + 1);
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
