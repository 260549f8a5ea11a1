// BrokerCore: per-object authorization of agents, from the roster (teams, roles) and live state
// (offers, assignments). Denied unless a rule allows: an agent reads a conversation offered or
// assigned to them or queued for their team (its queue is one of their teams), a customer's whole
// history only while serving them, writes only what is assigned to them (AssignedConversation),
// and hands work only to a team-mate; supervisors read everything and transfer anywhere.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/core/broker_core.h"

namespace omni::core {

bool BrokerCore::IsSupervisor(const Tenant& t, const std::string& agent_id) const {
  auto it = t.agents.find(agent_id);
  if (it == t.agents.end()) return false;
  const auto& roles = it->second.roles();
  return std::find(roles.begin(), roles.end(), "supervisor") != roles.end();
}

bool BrokerCore::ShareTeam(const Tenant& t, const std::string& agent_id, const std::string& other_id) const {
  auto a = t.agents.find(agent_id);
  auto b = t.agents.find(other_id);
  if (a == t.agents.end() || b == t.agents.end()) return false;
  for (const auto& team : a->second.teams()) {
    const auto& theirs = b->second.teams();
    if (std::find(theirs.begin(), theirs.end(), team) != theirs.end()) return true;
  }
  return false;
}

bool BrokerCore::MayRead(const Tenant& t, const std::string& agent_id,
                         const omnibroker::v1::Conversation& conversation) const {
  // Another tenant's conversation does not exist for this agent, whatever its agent ids say.
  if (conversation.tenant() != t.name) return false;
  if (conversation.assigned_agent_id() == agent_id) return true;
  // Work of their team: a conversation routed to a queue named after one of their teams.
  const std::string& queue = conversation.requirements().queue();
  if (auto agent = t.agents.find(agent_id); agent != t.agents.end() && !queue.empty()) {
    const auto& teams = agent->second.teams();
    if (std::find(teams.begin(), teams.end(), queue) != teams.end()) return true;
  }
  const auto offers = t.routing.OffersFor(agent_id);
  return std::any_of(offers.begin(), offers.end(), [&](const routing::Offer& offer) {
    return offer.conversation_id == conversation.id();
  });
}

absl::Status BrokerCore::MayTransferTo(const Tenant& t, const std::string& from, const std::string& to) const {
  if (IsSupervisor(t, from) || ShareTeam(t, from, to)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "transfer.to_agent_id: ", to, " is in no team of ", from, "; ask a supervisor"));
}

}  // namespace omni::core
