// Language tags as routing matches them: the shape of BCP 47 ("en", "pt-BR", "zh-Hant"), not its
// registry, so a new region or script subtag needs no update here.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace omni {

// 2–3 letters, then subtags of letters and digits joined by single '-'.
bool IsLanguageTag(std::string_view tag);

// OK for "" (none given) or a tag; else an error naming `field`:
// `language: "English" is not a language tag (en, pt-BR)`.
absl::Status ValidateLanguageTag(std::string_view field, std::string_view tag);

// A provider's language hint as a tag ("en_US" → "en-US"), or "" when it is not one: routing then
// takes the customer's preferred language or detects it from the text, and the message is kept.
std::string LanguageHint(std::string_view provider_value);

}  // namespace omni
