#include "connectors/webchat/mailbox.h"

#include <algorithm>

namespace omni::connectors::webchat {

void Mailbox::Box::Append(From from, const std::string& event_id, std::string json, bool reserved) {
  event_ids.insert(event_id);
  messages.push_back(Message{.index = next_index++,
                             .from = from,
                             .event_id = event_id,
                             .json = std::move(json),
                             .reserved = reserved});
  if (messages.size() > kMaxPerVisitor) {
    event_ids.erase(messages.front().event_id);
    messages.pop_front();
  }
}

std::deque<Mailbox::Message>::iterator Mailbox::Box::Find(const std::string& event_id) {
  if (!event_ids.contains(event_id)) return messages.end();
  return std::find_if(messages.begin(), messages.end(),
                      [&](const Message& m) { return m.event_id == event_id; });
}

bool Mailbox::Add(const std::string& visitor_id, From from, const std::string& event_id,
                  std::string json) {
  {
    std::lock_guard lock(mu_);
    Box& box = boxes_[visitor_id];
    if (box.event_ids.contains(event_id)) return false;
    box.Append(from, event_id, std::move(json), /*reserved=*/false);
  }
  cv_.notify_all();
  return true;
}

bool Mailbox::Reserve(const std::string& visitor_id, const std::string& event_id) {
  std::lock_guard lock(mu_);
  Box& box = boxes_[visitor_id];
  if (box.event_ids.contains(event_id)) return false;
  box.Append(From::kVisitor, event_id, "", /*reserved=*/true);
  return true;
}

void Mailbox::Keep(const std::string& visitor_id, const std::string& event_id, std::string json) {
  {
    std::lock_guard lock(mu_);
    Box& box = boxes_[visitor_id];
    auto it = box.Find(event_id);
    if (it == box.messages.end()) {
      box.Append(From::kVisitor, event_id, std::move(json), /*reserved=*/false);
    } else if (it->reserved) {
      it->json = std::move(json);
      it->reserved = false;
    } else {
      return;  // shown already
    }
  }
  cv_.notify_all();
}

void Mailbox::Drop(const std::string& visitor_id, const std::string& event_id) {
  {
    std::lock_guard lock(mu_);
    auto box = boxes_.find(visitor_id);
    if (box == boxes_.end()) return;
    auto it = box->second.Find(event_id);
    if (it == box->second.messages.end() || !it->reserved) return;
    box->second.messages.erase(it);
    box->second.event_ids.erase(event_id);
  }
  cv_.notify_all();  // what waited behind it shows now
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
      if (m.reserved) break;  // in order: nothing after a place not settled yet
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
