#include "base/tenant_name.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni {
namespace {

bool IsLowerOrDigit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

bool IsTenantName(std::string_view name) {
  if (name.empty() || name.size() > kMaxTenantNameLength || !IsLowerOrDigit(name[0])) return false;
  for (char c : name) {
    if (!IsLowerOrDigit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

absl::Status ValidateTenantName(std::string_view name, std::string_view field) {
  if (IsTenantName(name)) return absl::OkStatus();
  // Escaped: the name may hold control bytes or anything else a terminal or log would misread.
  const std::string shown = name.size() > kMaxTenantNameLength
                                ? absl::StrCat(absl::CHexEscape(ToAbsl(name.substr(0, 16))), "… (",
                                               name.size(), " characters)")
                                : absl::CHexEscape(ToAbsl(name));
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(field), ": '", shown,
                   "' is not a tenant name (1 to 64 of a-z, 0-9, '_', '-'; first a letter or "
                   "digit)"));
}

}  // namespace omni
