// HTML character references (&amp;, &#233;, &#x1F600;) as UTF-8, for the connectors that render
// HTML as text (email's html_text, Mastodon's statuses). The named ones are HTML 4's 252 and
// &apos;, which cover what mail programs and Mastodon write; HTML5's longer list adds mostly
// mathematical names neither emits.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace omni::connectors {

// `after_ampersand` is the input just after a '&'. When it starts with a character reference,
// appends what it stands for to `out` and returns how many bytes it took (its ';' included);
// else returns 0 and the '&' is plain text. A numeric reference may lack its ';' (browsers take
// it); one naming NUL, a surrogate or nothing is U+FFFD, and one naming a C0 or C1 control (but
// whitespace) is dropped, except 0x80-0x9F, which mean their windows-1252 characters (as HTML5
// says: old Microsoft programs wrote &#146; for a right single quote).
size_t DecodeCharacterReference(std::string_view after_ampersand, std::string& out);

}  // namespace omni::connectors
