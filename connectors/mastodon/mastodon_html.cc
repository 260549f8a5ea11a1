// A status's HTML as plain text. Mastodon sanitizes what it serves to a small set of tags (p, br,
// a, span, and a few inline ones), so stripping tags and decoding entities is enough; nothing is
// rendered or fetched.
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "base/strings.h"
#include "connectors/mastodon/mastodon_parser.h"
#include "connectors/sdk/html_entities.h"

namespace omni::connectors::mastodon {
namespace {

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
      if (const size_t taken = DecodeCharacterReference(html.substr(i + 1), out)) {
        i += taken;
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
