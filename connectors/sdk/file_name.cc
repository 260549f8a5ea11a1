#include "connectors/sdk/file_name.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "base/strings.h"
#include "base/terminal_text.h"
#include "base/utf8.h"

namespace omni::connectors {
namespace {

constexpr size_t kMaxExtensionBytes = 16;

// The length of the UTF-8 sequence that `lead` starts (the text is well-formed).
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  return lead < 0xF0 ? 3 : 4;
}

char32_t CodePoint(std::string_view sequence) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(sequence[i]); };
  switch (sequence.size()) {
    case 1:
      return byte(0);
    case 2:
      return ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    case 3:
      return ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    default:
      return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
             (byte(3) & 0x3F);
  }
}

// Line and paragraph separators break a name over lines; the bidirectional marks reorder what
// is around them, as the overrides that IsTerminalControl knows do.
bool IsSeparatorOrMark(char32_t c) {
  return c == 0x2028 || c == 0x2029 || c == 0x200E || c == 0x200F || c == 0x061C;
}

bool IsRefusedByWindows(char32_t c) {
  return c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*';
}

// CON, PRN, AUX, NUL, COM1-9, LPT1-9, with or without an extension, in any case.
bool IsReservedByWindows(std::string_view name) {
  const std::string stem = absl::AsciiStrToUpper(ToAbsl(name.substr(0, name.find('.'))));
  if (stem == "CON" || stem == "PRN" || stem == "AUX" || stem == "NUL") return true;
  return stem.size() == 4 && (stem.starts_with("COM") || stem.starts_with("LPT")) &&
         stem[3] >= '1' && stem[3] <= '9';
}

// The last character boundary at or before `at`.
size_t Boundary(std::string_view text, size_t at) {
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) {
    --at;
  }
  return at;
}

std::string Shorten(std::string name) {
  if (name.size() <= kMaxFileNameBytes) return name;
  const size_t dot = name.rfind('.');
  std::string extension;
  if (dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxExtensionBytes) {
    extension = name.substr(dot);
  }
  name.resize(Boundary(name, kMaxFileNameBytes - extension.size()));
  return name + extension;
}

}  // namespace

std::string SafeFileName(std::string_view name, std::string_view fallback) {
  const std::string text = ToUtf8(name);
  std::string_view base = text;
  if (const size_t separator = base.find_last_of("/\\"); separator != std::string_view::npos) {
    base.remove_prefix(separator + 1);
  }
  std::string safe;
  for (size_t i = 0; i < base.size();) {
    const size_t length = SequenceLength(static_cast<unsigned char>(base[i]));
    const std::string_view sequence = base.substr(i, length);
    const char32_t c = CodePoint(sequence);
    if (IsTerminalControl(c) || IsSeparatorOrMark(c) || IsRefusedByWindows(c)) {
      safe.push_back('_');
    } else {
      safe.append(sequence);
    }
    i += length;
  }
  const auto is_trimmed = [](char c) { return c == ' ' || c == '.'; };
  while (!safe.empty() && is_trimmed(safe.back())) safe.pop_back();
  safe.erase(0, std::find_if_not(safe.begin(), safe.end(), is_trimmed) - safe.begin());
  safe = Shorten(std::move(safe));
  while (!safe.empty() && is_trimmed(safe.back())) safe.pop_back();  // a cut may end in one
  if (safe.empty() || IsReservedByWindows(safe)) return std::string(fallback);
  return safe;
}

std::string AttachmentFileName(std::string_view name) {
  return name.empty() ? std::string() : SafeFileName(name, kUnnamedAttachment);
}

}  // namespace omni::connectors
