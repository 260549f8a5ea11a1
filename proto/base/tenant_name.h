// Tenant names, one rule for all who take one (agent tokens, callers' x-omni-tenant, the broker's
// config, omnictl): 1 to 64 characters of a-z, 0-9, '_' and '-', starting with a letter or a
// digit. Names are parts of store keys and log fields, so nothing else gets in: no upper case
// (one tenant, one spelling), no '/', no NUL, no non-ASCII.
#pragma once

#include <string_view>

#include "absl/status/status.h"

namespace omni {

inline constexpr size_t kMaxTenantNameLength = 64;

// "*": every tenant. Not a name: only a platform operator's token carries it.
inline constexpr std::string_view kAnyTenant = "*";

bool IsTenantName(std::string_view name);

// OK for a tenant name; else INVALID_ARGUMENT naming `field` and the rule:
// `tenant: 'Acme' is not a tenant name (1 to 64 of a-z, 0-9, '_', '-'; first a letter or digit)`.
absl::Status ValidateTenantName(std::string_view name, std::string_view field);

}  // namespace omni
