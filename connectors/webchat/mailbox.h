// Agent replies waiting for web chat visitors to fetch them (long-poll). Thread-safe: the
// delivery thread adds, HTTP handler threads wait. Keeps the newest kMaxPerVisitor per visitor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace omni::connectors::webchat {

class Mailbox {
 public:
  static constexpr size_t kMaxPerVisitor = 500;

  struct Message {
    uint64_t index;         // 1, 2, … per visitor: the long-poll cursor
    std::string event_id;
    std::string json;       // the message as the visitor's client receives it
  };

  // False when `event_id` was already added (a redelivery).
  bool Add(const std::string& visitor_id, const std::string& event_id, std::string json);
  // Messages with index > after; waits until `deadline` for one to arrive.
  std::vector<Message> WaitAfter(const std::string& visitor_id, uint64_t after,
                                 std::chrono::steady_clock::time_point deadline);
  // Wakes every waiter; later waits return at once.
  void Shutdown();

 private:
  struct Box {
    uint64_t next_index = 1;
    std::deque<Message> messages;
    std::unordered_set<std::string> event_ids;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Box> boxes_;
  bool shutdown_ = false;
};

}  // namespace omni::connectors::webchat
