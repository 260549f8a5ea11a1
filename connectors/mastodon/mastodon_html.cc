// A status's HTML as plain text. Mastodon sanitizes what it serves to a small set of tags (p, br,
// a, span, and a few inline ones), so stripping tags and decoding entities is enough; nothing is
// rendered or fetched.
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/strings.h"
#include "connectors/mastodon/mastodon_parser.h"

namespace omni::connectors::mastodon {
namespace {

void AppendUtf8(uint32_t code, std::string& out) {
  if (code == 0 || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) code = 0xFFFD;
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Decodes the entity `name` (between '&' and ';'); false when it is not one we know.
bool DecodeEntity(std::string_view name, std::string& out) {
  static constexpr std::pair<std::string_view, std::string_view> kNamed[] = {
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  for (const auto& [entity, text] : kNamed) {
    if (name == entity) {
      out.append(text);
      return true;
    }
  }
  if (name.size() < 2 || name[0] != '#') return false;
  uint32_t code = 0;
  const bool hex = name[1] == 'x' || name[1] == 'X';
  const std::string digits(name.substr(hex ? 2 : 1));
  if (digits.empty() || digits.size() > 8) return false;
  if (!(hex ? absl::SimpleHexAtoi(digits, &code) : absl::SimpleAtoi(digits, &code))) return false;
  AppendUtf8(code, out);
  return true;
}

// The lower-case name of the tag in `tag` ("p", "/p", "br"…).
std::string TagName(std::string_view tag) {
  size_t end = 0;
  while (end < tag.size() && (absl::ascii_isalnum(tag[end]) || (end == 0 && tag[end] == '/'))) {
    ++end;
  }
  return absl::AsciiStrToLower(ToAbsl(tag.substr(0, end)));
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  for (size_t i = 0; i < html.size(); ++i) {
    const char c = html[i];
    if (c == '<') {
      const size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;  // a cut-off tag carries no text
      const std::string name = TagName(html.substr(i + 1, close - i - 1));
      if (name == "br") out.push_back('\n');
      if (name == "/p") out.append("\n\n");
      i = close;
    } else if (c == '&') {
      const size_t semicolon = html.find(';', i);
      if (semicolon != std::string_view::npos && semicolon - i <= 10 &&
          DecodeEntity(html.substr(i + 1, semicolon - i - 1), out)) {
        i = semicolon;
      } else {
        out.push_back(c);
      }
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && absl::ascii_isspace(out.back())) out.pop_back();
  return out;
}

}  // namespace omni::connectors::mastodon
