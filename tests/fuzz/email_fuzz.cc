// libFuzzer target: the email parser (GMime 3) on arbitrary bytes, and the same bytes taken as the
// HTML of an HTML-only mail by its text rendering (which the parser reaches only through MIME).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "connectors/email/email_parser.h"
#include "connectors/email/html_text.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  omni::fuzz::CheckParsed(omni::connectors::email::ParseMail(raw, omni::TimePoint{}));

  // The rendering is bounded, keeps UTF-8 well-formed, and holds no control but line ends, tabs.
  const std::string text = omni::connectors::email::HtmlToText(raw);
  omni::fuzz::Require(text.size() <= omni::connectors::email::kMaxHtmlTextBytes +
                                         omni::connectors::email::kHtmlTextCutMark.size());
  if (omni::IsUtf8(raw)) omni::fuzz::Require(omni::IsUtf8(text));
  for (const unsigned char c : text) {
    omni::fuzz::Require(c >= 0x20 ? c != 0x7F : c == '\n' || c == '\t');
  }
  return 0;
}
