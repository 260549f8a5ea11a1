// Text for a terminal: UTF-8 to wide characters and back, and the display width of what customers
// write (Cyrillic one column a letter, CJK two), so the views cut and wrap by columns, not bytes.
// Needs a UTF-8 LC_CTYPE (main sets one); pure otherwise.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace omni::console {

// Invalid UTF-8 bytes become U+FFFD, so a broken message still shows.
std::wstring Widen(std::string_view utf8);
std::string Narrow(std::wstring_view text);

// Columns `text` takes on screen; unprintable characters (terminal controls such as ESC, C1 and
// bidirectional overrides: base/terminal_text.h) count as one (they show as '?').
int DisplayWidth(std::wstring_view text);

// The longest prefix of `text` that fits in `columns`, padded with spaces to exactly `columns`.
std::wstring FitColumns(std::wstring_view text, int columns);

// `text` broken into lines of at most `columns` (at spaces when it can, inside a word when a
// word is longer than a line); '\n' starts a new line. Never returns an empty vector.
std::vector<std::wstring> WrapColumns(std::wstring_view text, int columns);

}  // namespace omni::console
