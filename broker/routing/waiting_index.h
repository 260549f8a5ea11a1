// WaitingIndex: conversations that wait for an agent, grouped into classes of equal requirements
// (pool, language, skills, tier pool, difficult, a named agent) and ordered inside a class by
// urgency. Classes are filed by (pool, language, first skill), like agents in the AgentIndex, so
// an agent who frees up looks only at the classes of its pools, languages and skills (and the
// ones waiting for it by name), and at each class's most urgent conversation: the cost follows the
// number of distinct requirements the agent could meet, not the queue's length.
// Owned by the routing engine's thread; no locks.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "omnibroker/v1/common.pb.h"

namespace omni::routing {

// What an agent must have to serve a class.
struct WaitClassSpec {
  omnibroker::v1::Channel pool = omnibroker::v1::CHANNEL_UNSPECIFIED;
  std::string language;                             // kAnyLanguage = any
  std::vector<std::pair<std::string, int>> skills;  // name, minimum proficiency
  omnibroker::v1::Tier tier_pool = omnibroker::v1::TIER_UNSPECIFIED;  // unspecified = no pool
  bool difficult = false;
  std::string target_agent;  // waits for this agent only (stickiness, a transfer)

  std::string Key() const;
};

struct WaitRank {
  double negative_urgency;  // most urgent first
  uint64_t sequence;        // then first come (unique: the rest never decides the order)
  // The owner's record of the conversation, so a walk over a class needs no lookup by id. The
  // owner keeps it alive while the conversation is indexed.
  void* record = nullptr;
  auto operator<=>(const WaitRank&) const = default;
};

class WaitingIndex {
 public:
  struct Class {
    WaitClassSpec spec;
    std::set<WaitRank> items;
  };

  // Where one filed conversation is: its owner keeps it and hands it back to Remove, so taking a
  // conversation out (every offer) costs no lookup by id.
  struct Ticket {
    Class* cls;
    std::set<WaitRank>::iterator at;
  };

  Ticket Insert(const WaitClassSpec& spec, WaitRank rank);
  // Takes the conversation out of its class; `ticket` is spent.
  void Remove(const Ticket& ticket);
  size_t size() const { return size_; }

  // Classes without a named agent filed under `filing_key` (FilingKey of their pool, language and
  // first required skill, kAnySkill when none). The set lives as long as the index (an emptied one
  // is kept; there are only as many as distinct filing keys), so an agent looks its keys up once,
  // when the roster changes, and keeps the references.
  const std::set<Class*>& Filed(const std::string& filing_key);
  // Classes waiting for `agent_id` by name.
  const std::set<Class*>& ForTarget(const std::string& agent_id) const;

 private:
  std::unordered_map<std::string, Class> classes_;  // by spec key; nodes are stable
  std::unordered_map<std::string, std::set<Class*>> filed_;  // by FilingKey
  std::unordered_map<std::string, std::set<Class*>> by_target_;
  size_t size_ = 0;
};

}  // namespace omni::routing
