// FloorStats: the supervisor's numbers over a rolling window (service level, speed of answer,
// handle time, abandonment, breaches per queue; occupancy and handled count per agent), kept from
// the facts the broker core reports as they happen, on the broker's clock. The definitions are
// those of QueueStats and AgentStats in admin.proto.
//
// The window is a ring of one-minute buckets, so recording is O(1) and a snapshot reads
// window_minutes buckets per queue and agent; a minute that falls out of the window is simply
// overwritten. What is live (who waits now, presence, load) is the core's to add: this class
// only counts.
//
// Thread: single-threaded (the core thread). Kept in memory: it starts empty on every start.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "omnibroker/v1/admin.pb.h"

namespace omni::ops {

struct FloorStatsOptions {
  int window_minutes = 60;
  // Shorter abandons (a misdial, a chat closed at once) count apart, in neither service level
  // nor abandonment.
  Duration short_abandon = std::chrono::seconds(5);
  // By queue ("*" for the queues not named): an answer within this is within the service level.
  std::map<std::string, Duration> answer_targets = {{"*", std::chrono::seconds(20)}};
  // Queues tracked by name; the rest count under "other" (queue names come from events).
  size_t max_queues = 200;
};

// What waits now, as the routing engine has it.
struct LiveQueueEntry {
  std::string queue;
  TimePoint queued_at;
};

// An agent now, as the core has them.
struct LiveAgent {
  std::string agent_id;
  omnibroker::v1::Presence presence = omnibroker::v1::PRESENCE_OFFLINE;
  bool connected = false;
  int load = 0;
  int capacity = 0;
  omnibroker::v1::QualityStanding quality = omnibroker::v1::QUALITY_STANDING_UNSPECIFIED;
  std::string quality_why;
};

class FloorStats {
 public:
  explicit FloorStats(FloorStatsOptions options = {});

  // A conversation started waiting in `queue` (empty = "default").
  void Arrived(std::string_view queue, TimePoint at);
  // Its first accept, after waiting `waited`.
  void Answered(std::string_view queue, Duration waited, TimePoint at);
  // It ended while waiting, after `waited`.
  void Abandoned(std::string_view queue, Duration waited, TimePoint at);
  // `agent_id` accepted `conversation_id`: their handle of it runs from `at`.
  void HandlingStarted(const std::string& conversation_id, std::string_view queue,
                       const std::string& agent_id, TimePoint at);
  // The handle ends: done (closed and wrapped up) when `handled`, else taken away (a transfer, a
  // reclaim, the call or the customer gone). Unknown conversations are ignored.
  void HandlingEnded(const std::string& conversation_id, bool handled, TimePoint at);
  // A deadline (`kind`: first_response…) was missed; `escalated`: a supervisor was told.
  void Breached(std::string_view queue, std::string_view kind, bool escalated, TimePoint at);
  void PresenceChanged(const std::string& agent_id, omnibroker::v1::Presence presence, TimePoint at);

  // The window at `now` (not before the last fact recorded) with what is live: every queue that
  // has counts or waiting conversations, by name, the total, and `agents` in their order.
  // `now` moves the agents' time on.
  omnibroker::v1::FloorStats Snapshot(TimePoint now, const std::vector<LiveQueueEntry>& waiting,
                                      const std::vector<LiveAgent>& agents);

  const FloorStatsOptions& options() const { return options_; }
  Duration AnswerTarget(std::string_view queue) const;

 private:
  struct QueueBucket {
    int64_t minute = -1;  // the minute these counts are of; another = stale
    int64_t offered = 0, answered = 0, within_target = 0, abandoned = 0, short_abandoned = 0;
    int64_t handled = 0, escalations = 0;
    Duration wait_total{}, handle_total{};
    std::map<std::string, int64_t, std::less<>> breaches;
  };
  struct AgentBucket {
    int64_t minute = -1;
    Duration logged_in{}, handling{};
    int64_t handled = 0;
  };
  struct AgentClock {
    std::vector<AgentBucket> buckets;
    bool logged_in = false;
    int holding = 0;  // conversations accepted and not yet ended
    TimePoint accrued_to{};
  };
  struct Handle {
    std::string queue;
    std::string agent_id;
    TimePoint started;
  };

  static int64_t MinuteOf(TimePoint t);
  // The bucket of `at`'s minute in `ring`, cleared if it held an older minute; null when `at` is
  // older than what the ring holds.
  template <typename Bucket>
  static Bucket* BucketAt(std::vector<Bucket>& ring, TimePoint at);
  QueueBucket* QueueAt(std::string_view queue, TimePoint at);
  AgentClock& Agent(const std::string& agent_id, TimePoint at);
  // Adds the agent's logged-in and handling time up to `to` into their buckets.
  void Accrue(AgentClock& agent, TimePoint to);
  // The name a queue is counted under.
  std::string QueueName(std::string_view queue) const;

  const FloorStatsOptions options_;
  std::map<std::string, std::vector<QueueBucket>, std::less<>> queues_;
  std::map<std::string, AgentClock> agents_;
  std::unordered_map<std::string, Handle> handles_;  // by conversation id
};

}  // namespace omni::ops
