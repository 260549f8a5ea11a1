// AgentIndex: the agents who can take one more conversation right now, bucketed by
// (capacity pool, language, skill) and ordered inside a bucket by skill fit (highest proficiency
// first), then least recent effort, then slot. Finding the best agent for a conversation is a
// walk from the front of one bucket that stops at the first eligible agent, not a scan of the
// roster. Owned by the routing engine's thread; no locks.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "omnibroker/v1/common.pb.h"

namespace omni::routing {

using Slot = uint32_t;  // an agent's dense index in the engine

// Languages: an agent is also filed under kAnyLanguage, for steps that accept any language.
inline constexpr std::string_view kAnyLanguage = "*";
// Skills: an agent is also filed under kAnySkill (fit 0), for conversations that need none.
inline constexpr std::string_view kAnySkill = "";

struct AgentRank {
  int negative_fit;    // -proficiency in the bucket's skill: best fit first
  double effort_key;   // recent effort, comparable across agents at any time (see EffortKey)
  Slot slot;
  auto operator<=>(const AgentRank&) const = default;
};

class AgentIndex {
 public:
  using Bucket = std::set<AgentRank>;

  // What the index needs to file an agent in one pool.
  struct Entry {
    omnibroker::v1::Channel pool;
    std::vector<std::string> languages;
    std::vector<std::pair<std::string, int>> skills;  // name, proficiency
    double effort_key;
  };

  // Files `slot` in every bucket of `entry`'s pool (replacing what it had there, unless only the
  // languages or skills changed: Remove first then).
  void Insert(Slot slot, const Entry& entry);
  // Takes `slot` out of every bucket of `pool`.
  void Remove(Slot slot, omnibroker::v1::Channel pool);
  bool Contains(Slot slot, omnibroker::v1::Channel pool) const;

  // The bucket for a conversation of `pool` needing `language` and `skill`; empty when none.
  const Bucket& Find(omnibroker::v1::Channel pool, std::string_view language, std::string_view skill) const;

  size_t bucket_count() const { return buckets_.size(); }

 private:
  static std::string Key(omnibroker::v1::Channel pool, std::string_view language, std::string_view skill);

  std::unordered_map<std::string, Bucket> buckets_;
  // Where each (slot, pool) is filed, so it can be taken out again.
  struct Filed {
    std::vector<std::string> keys;
    std::vector<AgentRank> ranks;
  };
  std::unordered_map<uint64_t, Filed> filed_;  // (slot << 8 | pool) -> buckets
};

}  // namespace omni::routing
