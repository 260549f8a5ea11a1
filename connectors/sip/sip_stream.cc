// Stream framing by the blank line and Content-Length (full or compact "l:" form).
#include "connectors/sip/sip_stream.h"

#include <cstdlib>

#include "absl/strings/ascii.h"

namespace omni::connectors::sip {
namespace {

std::string Trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

size_t ContentLength(std::string_view head) {
  size_t line_start = 0;
  while (line_start < head.size()) {
    size_t line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos) line_end = head.size();
    const std::string_view line = head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string name = absl::AsciiStrToLower(Trimmed(line.substr(0, colon)));
    if (name != "content-length" && name != "l") continue;
    const long length = std::strtol(Trimmed(line.substr(colon + 1)).c_str(), nullptr, 10);
    return length > 0 ? static_cast<size_t>(length) : 0;
  }
  return 0;
}

}  // namespace

std::optional<std::string> NextStreamMessage(std::string& buffer) {
  const size_t start = buffer.find_first_not_of("\r\n");
  if (start == std::string::npos) {
    buffer.clear();
    return std::nullopt;
  }
  buffer.erase(0, start);
  const size_t blank = buffer.find("\r\n\r\n");
  if (blank == std::string::npos) return std::nullopt;
  const size_t end = blank + 4 + ContentLength(std::string_view(buffer).substr(0, blank));
  if (buffer.size() < end) return std::nullopt;
  std::string message = buffer.substr(0, end);
  buffer.erase(0, end);
  return message;
}

}  // namespace omni::connectors::sip
