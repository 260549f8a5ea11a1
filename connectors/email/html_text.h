// An HTML mail body as the plain text an agent reads, for mail that has no text of its own
// (Outlook and Thunderbird can send HTML only, or an empty text/plain beside the HTML). The HTML
// itself is kept as it came; this is a rendering beside it.
//
// Block elements become line breaks (paragraphs, headings, lists and tables a blank line),
// list items "- " (indented by nesting), links "text (url)" (the url alone when the text is the
// url, or there is none), images their alt text in brackets; script, style and title are
// dropped, comments too (Outlook's <!--[if mso]> blocks), character references decoded,
// whitespace collapsed outside <pre>, controls dropped.
//
// One pass over the input, no tree and no stack of open elements, so the work is linear whatever
// the nesting (libxml2's HTML parser was measured quadratic on unclosed nesting: a minute on a
// hostile 1.5 MB body). Malformed HTML is rendered as far as it reads: a tag or comment cut off
// at the end carries no text, and a '<' that starts no tag is text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace omni::connectors::email {

// The rendering stops here and ends with kHtmlTextCutMark: well under the broker's default
// max_text_bytes (256 KiB), so a huge HTML body never gets its mail refused for its text.
inline constexpr size_t kMaxHtmlTextBytes = 128 * 1024;
inline constexpr std::string_view kHtmlTextCutMark = "\n[…]";

std::string HtmlToText(std::string_view html);

}  // namespace omni::connectors::email
