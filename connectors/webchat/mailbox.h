// A web chat visitor's transcript: their own acked messages and the agents' replies, in order,
// for the long-poll, the SSE stream and a page reload. A visitor's message takes its place when it
// is sent (Reserve), before the broker's ack: an agent (or a bot) can answer before that ack
// reaches the connector, and the answer must still come after the question. Nothing from a
// reserved place on is handed out until it is settled (Keep or Drop, within the ack wait), so a
// cursor never skips it. Thread-safe: the delivery thread and HTTP
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
    bool reserved = false;  // a visitor's message waiting for the broker's ack: not shown yet
  };

  // False when `event_id` was already added (a redelivery or a visitor's resend).
  bool Add(const std::string& visitor_id, From from, const std::string& event_id, std::string json);
  // Takes the next place for the visitor's message `event_id`. False when it has one already (a
  // resend while the first send waits, or after it was kept): the holder settles it.
  bool Reserve(const std::string& visitor_id, const std::string& event_id);
  // The broker has the message: its place shows `json` (a place that is gone, dropped or trimmed,
  // is taken anew at the end). Nothing when it is shown already.
  void Keep(const std::string& visitor_id, const std::string& event_id, std::string json);
  // The broker did not take it (yet): its reserved place goes. A place kept meanwhile stays.
  void Drop(const std::string& visitor_id, const std::string& event_id);
  // Messages with index > after (only the agents' with `agent_only`), up to the first place not
  // settled; waits until `deadline` for one to arrive.
  std::vector<Message> WaitAfter(const std::string& visitor_id, uint64_t after,
                                 std::chrono::steady_clock::time_point deadline,
                                 bool agent_only = false);
  // Wakes every waiter; later waits return at once.
  void Shutdown();
  bool IsShutDown();

 private:
  struct Box {
    // Adds at the end; past kMaxPerVisitor the oldest goes.
    void Append(From from, const std::string& event_id, std::string json, bool reserved);
    // The message `event_id`, or messages.end().
    std::deque<Message>::iterator Find(const std::string& event_id);

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
