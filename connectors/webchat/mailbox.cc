#include "connectors/webchat/mailbox.h"

namespace omni::connectors::webchat {

bool Mailbox::Add(const std::string& visitor_id, From from, const std::string& event_id,
                  std::string json) {
  {
    std::lock_guard lock(mu_);
    Box& box = boxes_[visitor_id];
    if (!box.event_ids.insert(event_id).second) return false;
    box.messages.push_back(Message{box.next_index++, from, event_id, std::move(json)});
    if (box.messages.size() > kMaxPerVisitor) {
      box.event_ids.erase(box.messages.front().event_id);
      box.messages.pop_front();
    }
  }
  cv_.notify_all();
  return true;
}

std::vector<Mailbox::Message> Mailbox::WaitAfter(const std::string& visitor_id, uint64_t after,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 bool agent_only) {
  std::unique_lock lock(mu_);
  std::vector<Message> out;
  auto collect = [&] {
    auto it = boxes_.find(visitor_id);
    if (it == boxes_.end()) return;
    for (const Message& m : it->second.messages) {
      if (m.index > after && (!agent_only || m.from == From::kAgent)) out.push_back(m);
    }
  };
  cv_.wait_until(lock, deadline, [&] {
    collect();
    return shutdown_ || !out.empty();
  });
  if (out.empty()) collect();
  return out;
}

bool Mailbox::IsShutDown() {
  std::lock_guard lock(mu_);
  return shutdown_;
}

void Mailbox::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

}  // namespace omni::connectors::webchat
