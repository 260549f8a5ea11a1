#include "broker/routing/waiting_index.h"

#include "absl/strings/str_cat.h"
#include "broker/routing/agent_index.h"

namespace omni::routing {

std::string WaitClassSpec::Key() const {
  std::string key = absl::StrCat(static_cast<int>(pool), "|", language, "|", static_cast<int>(tier_pool), "|",
                                 difficult ? "d" : "", "|", target_agent, "|");
  for (const auto& [skill, min] : skills) absl::StrAppend(&key, skill, ">=", min, ",");
  return key;
}

namespace {
std::string_view FirstSkill(const WaitClassSpec& spec) {
  return spec.skills.empty() ? std::string_view() : std::string_view(spec.skills[0].first);
}
}  // namespace

void WaitingIndex::Insert(const WaitClassSpec& spec, WaitRank rank) {
  Remove(rank.conversation_id);
  auto [it, created] = classes_.try_emplace(spec.Key());
  Class* cls = &it->second;
  if (created) {
    cls->spec = spec;
    if (spec.target_agent.empty()) {
      filed_[FilingKey(spec.pool, spec.language, FirstSkill(spec))].insert(cls);
    } else {
      by_target_[spec.target_agent].insert(cls);
    }
  }
  cls->items.insert(rank);
  const std::string id = rank.conversation_id;
  where_[id] = {cls, std::move(rank)};
}

void WaitingIndex::Remove(const std::string& conversation_id) {
  auto it = where_.find(conversation_id);
  if (it == where_.end()) return;
  Class* cls = it->second.first;
  cls->items.erase(it->second.second);
  where_.erase(it);
  if (!cls->items.empty()) return;
  const WaitClassSpec& spec = cls->spec;
  if (spec.target_agent.empty()) {
    filed_[FilingKey(spec.pool, spec.language, FirstSkill(spec))].erase(cls);
  } else {
    auto group = by_target_.find(spec.target_agent);
    group->second.erase(cls);
    if (group->second.empty()) by_target_.erase(group);
  }
  classes_.erase(spec.Key());
}

const std::set<WaitingIndex::Class*>& WaitingIndex::Filed(const std::string& filing_key) {
  return filed_[filing_key];
}

const std::set<WaitingIndex::Class*>& WaitingIndex::ForTarget(const std::string& agent_id) const {
  static const std::set<Class*> kNone;
  auto it = by_target_.find(agent_id);
  return it == by_target_.end() ? kNone : it->second;
}

}  // namespace omni::routing
