#include "broker/routing/agent_index.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::routing {
namespace {

uint64_t FiledKey(Slot slot, omnibroker::v1::Channel pool) {
  return (static_cast<uint64_t>(slot) << 8) | static_cast<uint64_t>(pool);
}

}  // namespace

std::string FilingKey(omnibroker::v1::Channel pool, std::string_view language, std::string_view skill) {
  return absl::StrCat(static_cast<int>(pool), "|", ToAbsl(language), "|", ToAbsl(skill));
}

std::vector<Filing> FilingsFor(omnibroker::v1::Channel pool, const std::vector<std::string>& languages,
                               const std::vector<std::pair<std::string, int>>& skills) {
  std::vector<Filing> out;
  auto file_language = [&](std::string_view language) {
    out.push_back(Filing{FilingKey(pool, language, kAnySkill), 0});
    for (const auto& [skill, proficiency] : skills) out.push_back(Filing{FilingKey(pool, language, skill), proficiency});
  };
  file_language(kAnyLanguage);
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

const AgentIndex::Bucket& AgentIndex::Find(omnibroker::v1::Channel pool, std::string_view language,
                                           std::string_view skill) const {
  static const Bucket kEmpty;
  auto it = buckets_.find(FilingKey(pool, language, skill));
  return it == buckets_.end() ? kEmpty : it->second;
}

}  // namespace omni::routing
