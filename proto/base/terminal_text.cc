#include "base/terminal_text.h"

#include "absl/strings/str_format.h"
#include "base/utf8.h"

namespace omni {
namespace {

// The code point of the well-formed UTF-8 sequence at text[i] (ToUtf8 made it so); `length` is
// set to its byte length.
char32_t DecodeAt(std::string_view text, size_t i, size_t& length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) {
    length = 1;
    return lead;
  }
  length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  char32_t c = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) c = (c << 6) | (byte(k) & 0x3F);
  return c;
}

}  // namespace

bool IsTerminalControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::string ForTerminal(std::string_view text, Newlines newlines) {
  const std::string valid = ToUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (size_t i = 0; i < valid.size();) {
    size_t length = 0;
    const char32_t c = DecodeAt(valid, i, length);
    if (!IsTerminalControl(c) || (c == '\n' && newlines == Newlines::kKeep)) {
      out.append(valid, i, length);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += absl::StrFormat("\\u%04x", static_cast<uint32_t>(c));
    }
    i += length;
  }
  return out;
}

}  // namespace omni
