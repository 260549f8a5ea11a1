// RoutingEngine, first cut: matches waiting conversations to available agents by skills and
// language within per-channel capacity, as timed offers (reservations). Pure and single-threaded:
// it takes facts and a time and returns decisions; the broker core persists and delivers them.
// The full engine (tiers, stickiness, deadlines, explanations; issue 3) keeps this interface.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/agent.pb.h"
#include "omnibroker/v1/common.pb.h"

namespace omni::routing {

using omnibroker::v1::Channel;

struct RoutingOptions {
  Duration offer_timeout = std::chrono::seconds(20);
  // A conversation is not offered again to an agent who declined it (or let it time out) for this
  // long, unless no one else can take it.
  Duration decline_cooldown = std::chrono::minutes(2);
  int default_capacity = 1;  // for channels an agent has no capacity entry for
};

// A conversation waiting for an agent.
struct WorkItem {
  std::string conversation_id;
  Channel channel = omnibroker::v1::CHANNEL_UNSPECIFIED;
  std::vector<omnibroker::v1::SkillRequirement> skills;
  std::string language;  // empty = any
  int priority = 0;
  TimePoint queued_at;
};

struct Offer {
  std::string offer_id;
  std::string conversation_id;
  std::string agent_id;
  TimePoint expires_at;
};

class RoutingEngine {
 public:
  explicit RoutingEngine(RoutingOptions options = {});

  void UpsertAgent(const omnibroker::v1::Agent& agent);
  // Going offline revokes the agent's open offers; their conversations wait again.
  std::vector<Offer> SetPresence(const std::string& agent_id, omnibroker::v1::Presence presence);

  void Enqueue(WorkItem item);
  // Records an assignment that exists already (after a restart).
  void RestoreAssigned(const std::string& conversation_id, const std::string& agent_id, Channel channel);

  // The agent takes the offer: its conversation is assigned to them.
  absl::StatusOr<Offer> Accept(const std::string& offer_id, const std::string& agent_id);
  // The agent refuses the offer: the conversation waits again.
  absl::StatusOr<Offer> Decline(const std::string& offer_id, const std::string& agent_id, TimePoint now);
  // The conversation ended (closed): frees its capacity or removes it from the queue.
  void Release(const std::string& conversation_id);

  // Makes offers for waiting conversations, most urgent first.
  std::vector<Offer> Dispatch(TimePoint now);
  // Offers past their expiry; their conversations wait again.
  std::vector<Offer> ExpireOffers(TimePoint now);
  std::optional<TimePoint> NextExpiry() const;

  // Read-only views (admin, tests).
  struct Waiting {
    WorkItem item;
    std::optional<Offer> offer;
  };
  std::vector<Waiting> Queue() const;  // waiting and offered, oldest first
  int AssignedCount(const std::string& agent_id) const;
  int OfferedCount(const std::string& agent_id) const;
  std::optional<std::string> AssignedAgent(const std::string& conversation_id) const;

 private:
  struct AgentState {
    omnibroker::v1::Agent agent;
    std::map<int, int> load;  // channel -> assigned + offered
  };
  struct QueuedItem {
    WorkItem item;
    std::optional<Offer> offer;
    std::map<std::string, TimePoint> refused_until;  // agent -> cooldown end
  };

  // The queued item whose open offer is `offer_id`, if that offer is `agent_id`'s.
  absl::StatusOr<QueuedItem*> OpenOffer(const std::string& offer_id, const std::string& agent_id);
  bool Eligible(const AgentState& agent, const WorkItem& item) const;
  int Capacity(const AgentState& agent, Channel channel) const;
  // Ends an offer: the conversation waits again; `refused` puts the agent on cooldown for it.
  Offer Withdraw(QueuedItem& queued, bool refused, TimePoint now);

  const RoutingOptions options_;
  std::unordered_map<std::string, AgentState> agents_;
  std::map<std::string, QueuedItem> queue_;  // by conversation id
  std::unordered_map<std::string, std::string> offer_index_;  // offer id -> conversation id
  struct Assigned {
    std::string agent_id;
    Channel channel;
  };
  std::unordered_map<std::string, Assigned> assigned_;  // conversation id -> agent
};

}  // namespace omni::routing
