// Stream framing by the blank line and Content-Length (full or compact "l:" form). A missing or
// unreadable Content-Length counts as 0.
#include "connectors/sip/sip_stream.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace omni::connectors::sip {
namespace {

constexpr std::string_view kBlankLine = "\r\n\r\n";

std::string Trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return std::string(text.substr(first, text.find_last_not_of(" \t") - first + 1));
}

// The Content-Length of a message's head; an unreadable one is 0, an absurd one the largest.
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
    const long long length = std::strtoll(Trimmed(line.substr(colon + 1)).c_str(), nullptr, 10);
    return length > 0 ? static_cast<size_t>(length) : 0;
  }
  return 0;
}

}  // namespace

void SipStream::Append(std::string_view bytes) {
  if (broken_) return;
  buffer_.append(bytes.substr(0, room()));
}

std::optional<StreamMessage> SipStream::Next() {
  if (broken_) return std::nullopt;
  const size_t start = buffer_.find_first_not_of("\r\n");
  if (start == std::string::npos) {
    buffer_.clear();
    searched_ = 0;
    return std::nullopt;
  }
  if (start > 0) {
    buffer_.erase(0, start);
    searched_ = 0;
  }
  // The blank line may straddle what was searched before: look again from 3 bytes back.
  const size_t blank = buffer_.find(kBlankLine, searched_ < 3 ? 0 : searched_ - 3);
  if (blank == std::string::npos) {
    searched_ = buffer_.size();
    if (buffer_.size() < max_) return std::nullopt;
    broken_ = true;
    buffer_.clear();
    return StreamMessage{
        .status = absl::ResourceExhaustedError(
            absl::StrCat("sip: headers longer than ", max_, " bytes (the largest message taken)"))};
  }
  const size_t head = blank + kBlankLine.size();
  const size_t body = ContentLength(std::string_view(buffer_).substr(0, blank));
  if (body > max_ - head) {
    broken_ = true;
    StreamMessage too_large{.bytes = buffer_.substr(0, head),
                            .status = absl::ResourceExhaustedError(absl::StrCat(
                                "sip: Content-Length ", body, " makes the message longer than ",
                                max_, " bytes (the largest message taken)"))};
    buffer_.clear();
    return too_large;
  }
  if (buffer_.size() < head + body) {
    searched_ = blank;  // found: the next call finds it again at once
    return std::nullopt;
  }
  StreamMessage message{.bytes = buffer_.substr(0, head + body)};
  buffer_.erase(0, head + body);
  searched_ = 0;
  return message;
}

}  // namespace omni::connectors::sip
