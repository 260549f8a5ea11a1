// The core's records in the store's meta family, one tenant's apart from another's. Records
// written before tenants had no tenant in their keys; MigrateToTenants (recover.cc) moves them
// under the default tenant's.
#pragma once

#include <string>
#include <string_view>

#include "broker/store/keys.h"

namespace omni::core {

// removed_agent \0 <tenant> \0 <agent id> -> the AuditRecord of the agent's removal
// (before tenants: removed_agent \0 <agent id>).
inline constexpr std::string_view kRemovedAgentPrefix{"removed_agent\0", 14};
inline std::string RemovedAgentKey(std::string_view tenant, std::string_view agent_id) {
  return std::string(kRemovedAgentPrefix) + store::TenantKey(tenant, agent_id);
}

// routing_policy \0 <tenant> -> StoredRoutingPolicy, Admin's change of the tenant's policy
// (before tenants: routing_policy).
inline constexpr std::string_view kStoredPolicyPrefix = "routing_policy";
inline std::string StoredPolicyKey(std::string_view tenant) {
  return store::TenantKey(kStoredPolicyPrefix, tenant);
}

// revocation \0 token \0 <token id>, or revocation \0 agent \0 <tenant> \0 <agent id> (before
// tenants: without the tenant) -> TokenRevocation (naming its tenant; before tenants it did not).
inline constexpr std::string_view kRevocationPrefix{"revocation\0", 11};
inline constexpr std::string_view kAgentRevocationPrefix{"revocation\0agent\0", 17};
inline std::string AgentRevocationKey(std::string_view tenant, std::string_view agent_id) {
  return std::string(kAgentRevocationPrefix) + store::TenantKey(tenant, agent_id);
}
inline constexpr std::string_view kTokenRevocationPrefix{"revocation\0token\0", 17};
inline std::string TokenRevocationKey(std::string_view token_id) {
  return std::string(kTokenRevocationPrefix) + std::string(token_id);
}

// tenant_home \0 <tenant> -> how the tenant came to be served here (one of the values below): its
// data lives in this store (its partition's). Written when the partition first serves the tenant
// and whenever Admin adds or removes it (broker/partitions reads them at every start).
inline constexpr std::string_view kTenantHomePrefix{"tenant_home\0", 12};
inline std::string TenantHomeKey(std::string_view tenant) {
  return std::string(kTenantHomePrefix) + std::string(tenant);
}
// Served while the config file names it.
inline constexpr std::string_view kHomeFromConfig = "";
// Added by Admin: served whatever the config file says.
inline constexpr std::string_view kHomeFromAdmin = "admin";
// Removed by Admin: not served, even if the config file names it, until Admin adds it again.
inline constexpr std::string_view kHomeRemoved = "removed";

}  // namespace omni::core
