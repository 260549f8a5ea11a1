#include "broker/auth/revocations.h"

#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "base/time_util.h"

namespace omni::auth {
namespace {

// Tenant names hold no NUL: the key is one agent's of one tenant.
std::string AgentKey(const std::string& tenant, const std::string& agent_id) {
  return absl::StrCat(tenant, absl::string_view("\0", 1), agent_id);
}

}  // namespace

void Revocations::Add(const omnibroker::v1::TokenRevocation& revocation, TimePoint now) {
  const TimePoint lapses_at = FromProto(revocation.lapses_at());
  std::unique_lock lock(mu_);
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second <= now; });
  std::erase_if(agents_, [&](const auto& entry) { return entry.second.lapses_at <= now; });
  if (lapses_at <= now) return;
  if (!revocation.token_id().empty()) {
    TimePoint& kept = tokens_[revocation.token_id()];
    kept = std::max(kept, lapses_at);
    return;
  }
  const TimePoint issued_before = FromProto(revocation.issued_before());
  auto [it, added] = agents_.try_emplace(AgentKey(revocation.tenant(), revocation.agent_id()),
                                         AgentCutoff{issued_before, lapses_at});
  if (!added) {
    it->second.issued_before = std::max(it->second.issued_before, issued_before);
    it->second.lapses_at = std::max(it->second.lapses_at, lapses_at);
  }
}

bool Revocations::Revoked(const std::string& tenant, const std::string& agent_id,
                          const std::string& token_id, TimePoint issued_at) const {
  std::shared_lock lock(mu_);
  if (tokens_.contains(token_id)) return true;
  const auto agent = agents_.find(AgentKey(tenant, agent_id));
  return agent != agents_.end() && issued_at < agent->second.issued_before;
}

size_t Revocations::size() const {
  std::shared_lock lock(mu_);
  return tokens_.size() + agents_.size();
}

}  // namespace omni::auth
