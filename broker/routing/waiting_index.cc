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

WaitingIndex::Ticket WaitingIndex::Insert(const WaitClassSpec& spec, WaitRank rank) {
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
  ++size_;
  return Ticket{cls, cls->items.insert(rank).first};
}

void WaitingIndex::Remove(const Ticket& ticket) {
  Class* cls = ticket.cls;
  cls->items.erase(ticket.at);
  --size_;
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
