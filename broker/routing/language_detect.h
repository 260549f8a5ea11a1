// Guesses the language of a customer's text when neither the event nor the customer's profile
// names one: the script decides most languages (Cyrillic, Greek, Arabic, Hebrew, CJK, kana, Hangul,
// Thai, Devanagari); Latin-script text is scored on frequent short words. Pure; no dictionaries.
#pragma once

#include <string>
#include <string_view>

namespace omni::routing {

// A BCP 47 primary tag ("en", "ru", "ja"…), or "" when the text gives too little evidence.
std::string DetectLanguage(std::string_view text);

}  // namespace omni::routing
