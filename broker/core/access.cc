// BrokerCore: per-object authorization of agents, from the roster (teams, roles) and live state
// (offers, assignments). Denied unless a rule allows: an agent reads a conversation offered or
// assigned to them or queued for their team (its queue is one of their teams), a customer's whole
// history only while serving them, writes only what is assigned to them (AssignedConversation),
// and hands work only to a team-mate; supervisors read everything and transfer anywhere.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "broker/core/broker_core.h"

namespace omni::core {

bool BrokerCore::IsSupervisor(const std::string& agent_id) const {
  auto it = agents_.find(agent_id);
  if (it == agents_.end()) return false;
  const auto& roles = it->second.roles();
  return std::find(roles.begin(), roles.end(), "supervisor") != roles.end();
}

bool BrokerCore::ShareTeam(const std::string& agent_id, const std::string& other_id) const {
  auto a = agents_.find(agent_id);
  auto b = agents_.find(other_id);
  if (a == agents_.end() || b == agents_.end()) return false;
  for (const auto& team : a->second.teams()) {
    const auto& theirs = b->second.teams();
    if (std::find(theirs.begin(), theirs.end(), team) != theirs.end()) return true;
  }
  return false;
}

bool BrokerCore::MayRead(const std::string& agent_id,
                         const omnibroker::v1::Conversation& conversation) const {
  if (conversation.assigned_agent_id() == agent_id) return true;
  // Work of their team: a conversation routed to a queue named after one of their teams.
  const std::string& queue = conversation.requirements().queue();
  if (auto agent = agents_.find(agent_id); agent != agents_.end() && !queue.empty()) {
    const auto& teams = agent->second.teams();
    if (std::find(teams.begin(), teams.end(), queue) != teams.end()) return true;
  }
  const auto offers = routing_.OffersFor(agent_id);
  return std::any_of(offers.begin(), offers.end(), [&](const routing::Offer& offer) {
    return offer.conversation_id == conversation.id();
  });
}

absl::Status BrokerCore::MayTransferTo(const std::string& from, const std::string& to) const {
  if (IsSupervisor(from) || ShareTeam(from, to)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "transfer.to_agent_id: ", to, " is in no team of ", from, "; ask a supervisor"));
}

}  // namespace omni::core
