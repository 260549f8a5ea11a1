#include "connectors/webchat/visitor_registry.h"

#include "absl/strings/str_cat.h"

namespace omni::connectors::webchat {

void VisitorRegistry::DropExpired(TimePoint now) {
  while (!by_recency_.empty() && now - by_recency_.back().last_active >= idle_expiry_) {
    by_id_.erase(by_recency_.back().visitor.id);
    by_recency_.pop_back();
  }
}

absl::Status VisitorRegistry::AddLocked(const Visitor& visitor, TimePoint now) {
  DropExpired(now);
  if (by_id_.size() >= max_visitors_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the web chat holds its maximum of ", max_visitors_, " visitors"));
  }
  by_recency_.push_front(Entry{visitor, now});
  by_id_[visitor.id] = by_recency_.begin();
  return absl::OkStatus();
}

absl::Status VisitorRegistry::Add(const Visitor& visitor, TimePoint now) {
  std::lock_guard lock(mu_);
  return AddLocked(visitor, now);
}

std::optional<Visitor> VisitorRegistry::Touch(const std::string& id, TimePoint now) {
  std::lock_guard lock(mu_);
  DropExpired(now);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return std::nullopt;
  // A clock stepping back never makes a profile look older than it is.
  it->second->last_active = std::max(it->second->last_active, now);
  by_recency_.splice(by_recency_.begin(), by_recency_, it->second);
  return it->second->visitor;
}

absl::StatusOr<Visitor> VisitorRegistry::TouchOrAdd(const std::string& id, TimePoint now) {
  if (auto known = Touch(id, now)) return *known;
  std::lock_guard lock(mu_);
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second->visitor;  // added meanwhile
  Visitor bare;
  bare.id = id;
  if (auto added = AddLocked(bare, now); !added.ok()) return added;
  return bare;
}

size_t VisitorRegistry::size(TimePoint now) {
  std::lock_guard lock(mu_);
  DropExpired(now);
  return by_id_.size();
}

}  // namespace omni::connectors::webchat
