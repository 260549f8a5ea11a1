// WaitingIndex: conversations that wait for an agent, grouped into classes of equal requirements
// (pool, language, skills, tier pool, difficult, a named agent) and ordered inside a class by
// urgency. Classes are filed by (pool, language, first skill), like agents in the AgentIndex, so
// an agent who frees up looks only at the classes of its pools, languages and skills (and the
// ones waiting for it by name), and at each class's most urgent conversation: the cost follows the
// number of distinct requirements the agent could meet, not the queue's length.
// Owned by the routing engine's thread; no locks.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/container/btree_set.h"
#include "absl/container/inlined_vector.h"
#include "broker/routing/agent_index.h"
#include "broker/routing/symbols.h"
#include "omnibroker/v1/common.pb.h"

namespace omni::routing {

// What an agent must have to serve a class.
struct WaitClassSpec {
  omnibroker::v1::Channel pool = omnibroker::v1::CHANNEL_UNSPECIFIED;
  Symbol language = kAnyLanguageSymbol;
  // Skill, minimum proficiency; inline, so making a spec on every routing does not allocate.
  absl::InlinedVector<std::pair<Symbol, int>, 2> skills;
  omnibroker::v1::Tier tier_pool = omnibroker::v1::TIER_UNSPECIFIED;  // unspecified = no pool
  bool difficult = false;
  std::string target_agent;  // waits for this agent only (stickiness, a transfer)

  // Equal specs, equal keys: bytes, not text, so a usual spec's key is short enough for no
  // allocation.
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
    // A B-tree: the most urgent entry and its neighbours share a node, so looking at the front of
    // a dozen classes (every agent-freed decision) costs a dozen cache misses, not several each.
    absl::btree_set<WaitRank> items;
  };

  // Where one filed conversation is: its owner keeps it and hands it back to Remove, so taking a
  // conversation out (every offer) costs no lookup by id. A rank, not an iterator: B-tree
  // iterators do not survive other inserts.
  struct Ticket {
    Class* cls;
    WaitRank rank;
  };

  Ticket Insert(const WaitClassSpec& spec, WaitRank rank);
  // Takes the conversation out of its class; `ticket` is spent.
  void Remove(const Ticket& ticket);
  size_t size() const { return size_; }

  // Classes without a named agent filed under `filing_key` (FilingKeyOf their pool, language and
  // first required skill, kAnySkill when none). The set lives as long as the index (an emptied one
  // is kept; there are only as many as distinct filing keys), so an agent looks its keys up once,
  // when the roster changes, and keeps the references.
  using ClassSet = absl::btree_set<Class*>;
  const ClassSet& Filed(FilingKey filing_key);
  // Classes waiting for `agent_id` by name.
  const ClassSet& ForTarget(const std::string& agent_id) const;

 private:
  std::unordered_map<std::string, Class> classes_;  // by spec key; nodes are stable
  std::unordered_map<FilingKey, ClassSet> filed_;   // node-based: agents keep references
  std::unordered_map<std::string, ClassSet> by_target_;
  size_t size_ = 0;
};

}  // namespace omni::routing
