// ListenerSlots: bounds the requests that wait for replies (SSE streams, long-polls with a wait).
// cpp-httplib serves each connection on one thread of the connector's pool for as long as it is
// open, and cannot hand a socket to an event loop; so a waiting request holds a thread, and
// without a bound 64 open pages would leave none for registrations and messages. The total bound
// sits below the pool's size, keeping threads for short requests; the per-visitor bound keeps one
// visitor (many tabs, a script) from taking them all. A request that finds no slot is answered at
// once (a stream with 503 or 429 and Retry-After, a long-poll without waiting).
// Thread-safe: HTTP handler threads take and free slots.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"

namespace omni::connectors::webchat {

class ListenerSlots {
 public:
  // A held slot; destroying it frees it.
  class Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class ListenerSlots;
    Slot(ListenerSlots& owner, std::string visitor_id)
        : owner_(owner), visitor_id_(std::move(visitor_id)) {}
    ListenerSlots& owner_;
    const std::string visitor_id_;
  };

  // `max_total` >= 1, `max_per_visitor` >= 1.
  ListenerSlots(int max_total, int max_per_visitor)
      : max_total_(max_total), max_per_visitor_(max_per_visitor) {}

  // A slot for `visitor_id`: RESOURCE_EXHAUSTED when the visitor already holds
  // max_per_visitor, UNAVAILABLE when max_total are held in all; the message names the bound.
  absl::StatusOr<std::unique_ptr<Slot>> TryAcquire(const std::string& visitor_id);
  int held();

 private:
  void Release(const std::string& visitor_id);

  const int max_total_;
  const int max_per_visitor_;
  std::mutex mu_;
  int held_ = 0;
  std::unordered_map<std::string, int> held_by_visitor_;
};

}  // namespace omni::connectors::webchat
