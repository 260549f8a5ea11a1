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

// The name of one bucket: the same names file agents here and waiting classes in WaitingIndex.
std::string FilingKey(omnibroker::v1::Channel pool, std::string_view language, std::string_view skill);

// Where an agent is filed in one pool: every (language, skill) bucket with the agent's fit there.
struct Filing {
  std::string key;
  int fit;
};
std::vector<Filing> FilingsFor(omnibroker::v1::Channel pool, const std::vector<std::string>& languages,
                               const std::vector<std::pair<std::string, int>>& skills);

struct AgentRank {
  int negative_fit;    // -proficiency in the bucket's skill: best fit first
  double effort_key;   // recent effort, comparable across agents at any time (see EffortKey)
  Slot slot;
  auto operator<=>(const AgentRank&) const = default;
};

class AgentIndex {
 public:
  using Bucket = std::set<AgentRank>;

  // Files `slot` in the buckets of `pool` named by `filings` (FilingsFor), ranked by fit and
  // `effort_key`. Filed already with the same effort: nothing moves (after a change of languages
  // or skills, Remove first).
  void Insert(Slot slot, omnibroker::v1::Channel pool, const std::vector<Filing>& filings, double effort_key);
  // Takes `slot` out of every bucket of `pool`.
  void Remove(Slot slot, omnibroker::v1::Channel pool);
  bool Contains(Slot slot, omnibroker::v1::Channel pool) const;

  // The bucket for a conversation of `pool` needing `language` and `skill`; empty when none.
  const Bucket& Find(omnibroker::v1::Channel pool, std::string_view language, std::string_view skill) const;

  size_t bucket_count() const { return buckets_.size(); }

 private:
  std::unordered_map<std::string, Bucket> buckets_;
  // Where each (slot, pool) is filed, so it can be taken out again.
  struct Filed {
    std::vector<std::string> keys;
    std::vector<AgentRank> ranks;
  };
  std::unordered_map<uint64_t, Filed> filed_;  // (slot << 8 | pool) -> buckets
};

}  // namespace omni::routing
