#include "base/language_tag.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni {

bool IsLanguageTag(std::string_view tag) {
  const size_t primary = std::min(tag.find('-'), tag.size());
  if (primary < 2 || primary > 3) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (i < primary ? !letter : !(letter || digit || (c == '-' && i + 1 < tag.size() && tag[i - 1] != '-'))) {
      return false;
    }
  }
  return true;
}

absl::Status ValidateLanguageTag(std::string_view field, std::string_view tag) {
  if (tag.empty() || IsLanguageTag(tag)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(field), ": \"", ToAbsl(tag), "\" is not a language tag (en, pt-BR)"));
}

std::string LanguageHint(std::string_view provider_value) {
  // Locales from Facebook, Viber and Java-style SDKs join with '_' ("en_US").
  std::string tag(provider_value);
  std::replace(tag.begin(), tag.end(), '_', '-');
  return IsLanguageTag(tag) ? tag : "";
}

}  // namespace omni
