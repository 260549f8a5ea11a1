// AgentIndex: the agents who can take one more conversation right now, bucketed by
// (capacity pool, language, skill) and ordered inside a bucket by skill fit (highest proficiency
// first), then least recent effort, then slot. Finding the best agent for a conversation is a
// walk from the front of one bucket that stops at the first eligible agent, not a scan of the
// roster. Owned by the routing engine's thread; no locks.
#pragma once

#include <compare>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "broker/routing/symbols.h"
#include "omnibroker/v1/common.pb.h"

namespace omni::routing {

using Slot = uint32_t;  // an agent's dense index in the engine

// The name of one bucket: the same keys file agents here and waiting classes in WaitingIndex.
using FilingKey = uint64_t;
FilingKey FilingKeyOf(omnibroker::v1::Channel pool, Symbol language, Symbol skill);

// Where an agent is filed in one pool: every (language, skill) bucket with the agent's fit there.
struct Filing {
  FilingKey key;
  int fit;
};
std::vector<Filing> FilingsFor(omnibroker::v1::Channel pool, const std::vector<Symbol>& languages,
                               const std::vector<std::pair<Symbol, int>>& skills);

struct AgentRank {
  int negative_fit;    // -proficiency in the bucket's skill: best fit first
  double effort_key;   // recent effort, comparable across agents at any time (see EffortKey)
  Slot slot;
  auto operator<=>(const AgentRank&) const = default;
};

class AgentIndex {
 public:
  // A B-tree: a walk from the front and a refile touch a few contiguous nodes, not a chain of
  // scattered ones (a decision's cost at 10k agents was mostly cache misses in red-black trees).
  using Bucket = absl::btree_set<AgentRank>;

  // Files `slot` in the buckets of `pool` named by `filings` (FilingsFor), ranked by fit and
  // `effort_key`. Filed already with the same effort: nothing moves (after a change of languages
  // or skills, Remove first).
  void Insert(Slot slot, omnibroker::v1::Channel pool, const std::vector<Filing>& filings, double effort_key);
  // Takes `slot` out of every bucket of `pool`.
  void Remove(Slot slot, omnibroker::v1::Channel pool);
  bool Contains(Slot slot, omnibroker::v1::Channel pool) const;

  // The bucket for a conversation of `pool` needing `language` and `skill`; empty when none.
  const Bucket& Find(omnibroker::v1::Channel pool, Symbol language, Symbol skill) const;

  size_t bucket_count() const { return buckets_.size(); }

 private:
  std::unordered_map<FilingKey, Bucket> buckets_;
  // Where each (slot, pool) is filed, so it can be taken out again.
  struct Filed {
    std::vector<FilingKey> keys;
    std::vector<AgentRank> ranks;
  };
  std::unordered_map<uint64_t, Filed> filed_;  // (slot << 8 | pool) -> buckets
};

}  // namespace omni::routing
