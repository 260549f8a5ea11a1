// Text that others wrote (customers, providers) shown on an operator's terminal. A terminal obeys
// the control characters in what it prints: an ESC sequence from a customer's message can clear
// the screen, move the cursor to forge output, retitle the window or, on some terminals, answer
// back as if typed; bidirectional overrides make text read other than it is. Every CLI and the
// console show such text through here: controls become visible escapes, the text stays readable.
#pragma once

#include <string>
#include <string_view>

namespace omni {

// C0 controls (tab and newline included), DEL, C1 controls (U+0080..U+009F, which some
// terminals obey in UTF-8 too), and the bidirectional embeddings, overrides and isolates
// (U+202A..U+202E, U+2066..U+2069).
bool IsTerminalControl(char32_t c);

enum class Newlines { kEscape, kKeep };

// `text` made valid UTF-8 (ToUtf8) with each terminal control written as "\uXXXX" ("\n" and "\t"
// as such), so it cannot act and still shows what was there. The escapes are JSON's own, so JSON
// passed through stays valid JSON. With Newlines::kKeep, '\n' stays a line break.
std::string ForTerminal(std::string_view text, Newlines newlines = Newlines::kEscape);

}  // namespace omni
