// BrokerCore: tenants added and removed at run time. The partition (broker/partitions) decides
// that a tenant lives here and when it is served; the core keeps the tenant's home record, the
// audit trail and its live state. A removed tenant's data never leaves the store, so adding it
// back restores it exactly as a restart would.
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/core/broker_core.h"
#include "broker/core/meta_keys.h"

namespace omni::core {

using omnibroker::v1::AuditRecord;
using store::Family;

absl::StatusOr<AuditRecord> BrokerCore::AddTenant(const omnibroker::v1::AddTenantRequest& request,
                                                  routing::RoutingPolicy policy) {
  const std::string& name = request.name();
  if (tenants_.contains(name)) {
    return absl::AlreadyExistsError(absl::StrCat("name: tenant '", name, "' is served already"));
  }
  AuditRecord audit;
  audit.set_tenant(name);
  audit.set_action("add_tenant");
  audit.add_subjects(name);
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.reason());
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kMeta, TenantHomeKey(name), kHomeFromAdmin);
  PutAudit(batch, audit);
  // Stored before it is served: a tenant Admin was told of is one a restart serves.
  OMNI_RETURN_IF_ERROR(store_.Write(batch));

  tenants_.emplace(name, std::make_unique<Tenant>(name, std::move(policy), options_.floor_stats));
  if (auto restored = RestoreTenants({name}); !restored.ok()) {
    tenants_.erase(name);  // its stored state is unreadable: not served (a restart says so too)
    return restored;
  }
  const Tenant& t = *tenants_.at(name);
  int open = 0;
  for (const auto& [id, conversation] : open_) open += conversation.tenant() == name;
  LogInfo("tenants", absl::StrCat("tenant ", name, " served from now on in partition ",
                                  options_.partition, ", at the request of ",
                                  request.requested_by(), ": ", t.agents.size(), " agents and ",
                                  open, " open conversations restored"));
  return audit;
}

absl::StatusOr<AuditRecord> BrokerCore::RemoveTenant(
    const omnibroker::v1::RemoveTenantRequest& request) {
  const std::string& name = request.name();
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(name));
  AuditRecord audit;
  audit.set_tenant(name);
  audit.set_action("remove_tenant");
  audit.add_subjects(name);
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.reason());
  std::vector<std::string> open;
  for (const auto& [id, conversation] : open_) {
    if (conversation.tenant() == name) open.push_back(id);
  }
  (*audit.mutable_counts())["agents"] = static_cast<int64_t>(t->agents.size());
  (*audit.mutable_counts())["open_conversations"] = static_cast<int64_t>(open.size());
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kMeta, TenantHomeKey(name), kHomeRemoved);
  PutAudit(batch, audit);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));

  // Its live state leaves memory; every record stays (the routing memos too, so its waiting
  // conversations come back where they were).
  for (const auto& id : open) open_.erase(id);
  for (const auto& [agent_id, session] : t->sessions) session_agents_.erase(session.get());
  t->sessions.clear();
  auto it = tenants_.find(name);
  removed_tenants_.push_back(std::move(it->second));
  tenants_.erase(it);
  LogInfo("tenants", absl::StrCat("tenant ", name, " no longer served, at the request of ",
                                  request.requested_by(), " (", request.reason(), "); its ",
                                  open.size(), " open conversations and its history stay stored"));
  return audit;
}

std::vector<omnibroker::v1::TenantSummary> BrokerCore::TenantSummaries() const {
  std::map<std::string, int> open;
  for (const auto& [id, conversation] : open_) ++open[conversation.tenant()];
  std::vector<omnibroker::v1::TenantSummary> out;
  for (const auto& [name, t] : tenants_) {
    omnibroker::v1::TenantSummary summary;
    summary.set_name(name);
    summary.set_agents(static_cast<int>(t->agents.size()));
    summary.set_agents_connected(static_cast<int>(t->sessions.size()));
    summary.set_open_conversations(open[name]);
    out.push_back(std::move(summary));
  }
  return out;
}

}  // namespace omni::core
