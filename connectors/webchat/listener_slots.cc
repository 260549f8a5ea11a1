#include "connectors/webchat/listener_slots.h"

#include "absl/strings/str_cat.h"

namespace omni::connectors::webchat {

ListenerSlots::Slot::~Slot() { owner_.Release(visitor_id_); }

absl::StatusOr<std::unique_ptr<ListenerSlots::Slot>> ListenerSlots::TryAcquire(
    const std::string& visitor_id) {
  std::lock_guard lock(mu_);
  int& mine = held_by_visitor_[visitor_id];
  if (mine >= max_per_visitor_) {
    return absl::ResourceExhaustedError(absl::StrCat("this visitor already listens on ",
                                                     max_per_visitor_, " streams or long-polls"));
  }
  if (held_ >= max_total_) {
    if (mine == 0) held_by_visitor_.erase(visitor_id);
    return absl::UnavailableError(
        absl::StrCat("all ", max_total_, " listening slots of the web chat are taken"));
  }
  ++mine;
  ++held_;
  return std::unique_ptr<Slot>(new Slot(*this, visitor_id));
}

int ListenerSlots::held() {
  std::lock_guard lock(mu_);
  return held_;
}

void ListenerSlots::Release(const std::string& visitor_id) {
  std::lock_guard lock(mu_);
  --held_;
  auto it = held_by_visitor_.find(visitor_id);
  if (--it->second == 0) held_by_visitor_.erase(it);
}

}  // namespace omni::connectors::webchat
