#include "broker/routing/agent_index.h"

namespace omni::routing {
namespace {

uint64_t FiledKey(Slot slot, omnibroker::v1::Channel pool) {
  return (static_cast<uint64_t>(slot) << 8) | static_cast<uint64_t>(pool);
}

}  // namespace

FilingKey FilingKeyOf(omnibroker::v1::Channel pool, Symbol language, Symbol skill) {
  // Symbols stay below 2^28 (that many distinct names would not fit in memory anyway).
  return (static_cast<uint64_t>(pool) << 56) | (static_cast<uint64_t>(language) << 28) | skill;
}

std::vector<Filing> FilingsFor(omnibroker::v1::Channel pool, const std::vector<Symbol>& languages,
                               const std::vector<std::pair<Symbol, int>>& skills) {
  std::vector<Filing> out;
  auto file_language = [&](Symbol language) {
    out.push_back(Filing{FilingKeyOf(pool, language, kAnySkillSymbol), 0});
    for (const auto& [skill, proficiency] : skills)
      out.push_back(Filing{FilingKeyOf(pool, language, skill), proficiency});
  };
  file_language(kAnyLanguageSymbol);
  for (const auto& language : languages) file_language(language);
  return out;
}

void AgentIndex::Insert(Slot slot, omnibroker::v1::Channel pool, const std::vector<Filing>& filings,
                        double effort_key) {
  // Filed already with the same effort: nothing to move (the common case after a load change).
  if (auto it = filed_.find(FiledKey(slot, pool)); it != filed_.end() && it->second.ranks.front().effort_key == effort_key) {
    return;
  }
  Remove(slot, pool);
  Filed& filed = filed_[FiledKey(slot, pool)];
  for (const Filing& f : filings) {
    const AgentRank rank{-f.fit, effort_key, slot};
    buckets_[f.key].insert(rank);
    filed.keys.push_back(f.key);
    filed.ranks.push_back(rank);
  }
}

void AgentIndex::Remove(Slot slot, omnibroker::v1::Channel pool) {
  auto it = filed_.find(FiledKey(slot, pool));
  if (it == filed_.end()) return;
  for (size_t i = 0; i < it->second.keys.size(); ++i) {
    auto bucket = buckets_.find(it->second.keys[i]);
    bucket->second.erase(it->second.ranks[i]);
    if (bucket->second.empty()) buckets_.erase(bucket);
  }
  filed_.erase(it);
}

bool AgentIndex::Contains(Slot slot, omnibroker::v1::Channel pool) const {
  return filed_.contains(FiledKey(slot, pool));
}

const AgentIndex::Bucket& AgentIndex::Find(omnibroker::v1::Channel pool, Symbol language,
                                           Symbol skill) const {
  static const Bucket kEmpty;
  auto it = buckets_.find(FilingKeyOf(pool, language, skill));
  return it == buckets_.end() ? kEmpty : it->second;
}

}  // namespace omni::routing
