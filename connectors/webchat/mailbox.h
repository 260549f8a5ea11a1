// A web chat visitor's transcript: their own acked messages and the agents' replies, in order,
// for the long-poll, the SSE stream and a page reload. Thread-safe: the delivery thread and HTTP
// handler threads add, HTTP handler threads wait. Keeps the newest kMaxPerVisitor per visitor.
// In memory only: a connector restart loses the transcripts (the broker still holds the
// conversation; a reloaded page then shows only what arrives after the restart). Persisting it
// would duplicate the broker's store for a convenience view, so it is not done here.
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

  enum class From { kVisitor, kAgent };

  struct Message {
    uint64_t index;         // 1, 2, … per visitor: the long-poll and stream cursor
    From from;
    std::string event_id;
    std::string json;       // the message as the visitor's client receives it
  };

  // False when `event_id` was already added (a redelivery or a visitor's resend).
  bool Add(const std::string& visitor_id, From from, const std::string& event_id, std::string json);
  // Messages with index > after (only the agents' with `agent_only`); waits until `deadline`
  // for one to arrive.
  std::vector<Message> WaitAfter(const std::string& visitor_id, uint64_t after,
                                 std::chrono::steady_clock::time_point deadline,
                                 bool agent_only = false);
  // Wakes every waiter; later waits return at once.
  void Shutdown();
  bool IsShutDown();

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
