#include "broker/routing/waiting_index.h"

namespace omni::routing {
namespace {

template <typename T>
void AppendBytes(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

FilingKey ClassFilingKey(const WaitClassSpec& spec) {
  return FilingKeyOf(spec.pool, spec.language,
                     spec.skills.empty() ? kAnySkillSymbol : spec.skills[0].first);
}

}  // namespace

std::string WaitClassSpec::Key() const {
  std::string key;
  AppendBytes(key, static_cast<uint8_t>(pool));
  AppendBytes(key, static_cast<uint8_t>(tier_pool));
  AppendBytes(key, static_cast<uint8_t>(difficult));
  AppendBytes(key, language);
  for (const auto& [skill, min] : skills) {
    AppendBytes(key, skill);
    AppendBytes(key, min);
  }
  // The agent's id last: its length is what is left, so keys cannot run into each other.
  key.append(target_agent);
  return key;
}

WaitingIndex::Ticket WaitingIndex::Insert(const WaitClassSpec& spec, WaitRank rank) {
  auto [it, created] = classes_.try_emplace(spec.Key());
  Class* cls = &it->second;
  if (created) {
    cls->spec = spec;
    if (spec.target_agent.empty()) {
      filed_[ClassFilingKey(spec)].insert(cls);
    } else {
      by_target_[spec.target_agent].insert(cls);
    }
  }
  ++size_;
  cls->items.insert(rank);
  return Ticket{cls, rank};
}

void WaitingIndex::Remove(const Ticket& ticket) {
  Class* cls = ticket.cls;
  cls->items.erase(ticket.rank);
  --size_;
  if (!cls->items.empty()) return;
  const WaitClassSpec& spec = cls->spec;
  if (spec.target_agent.empty()) {
    filed_[ClassFilingKey(spec)].erase(cls);
  } else {
    auto group = by_target_.find(spec.target_agent);
    group->second.erase(cls);
    if (group->second.empty()) by_target_.erase(group);
  }
  classes_.erase(spec.Key());
}

const WaitingIndex::ClassSet& WaitingIndex::Filed(FilingKey filing_key) {
  return filed_[filing_key];
}

const WaitingIndex::ClassSet& WaitingIndex::ForTarget(const std::string& agent_id) const {
  static const ClassSet kNone;
  auto it = by_target_.find(agent_id);
  return it == by_target_.end() ? kNone : it->second;
}

}  // namespace omni::routing
