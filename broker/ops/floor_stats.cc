#include "broker/ops/floor_stats.h"

#include <algorithm>

#include "base/time_util.h"

namespace omni::ops {
namespace {

using std::chrono::minutes;

double Seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// The ratios of `q`'s counts, absent while their denominator is 0.
void FillRatios(omnibroker::v1::QueueStats& q, Duration wait_total, Duration handle_total) {
  q.clear_service_level_percent();
  q.clear_abandonment_percent();
  q.clear_average_speed_of_answer_seconds();
  q.clear_average_handle_time_seconds();
  if (const int64_t outcomes = q.answered() + q.abandoned(); outcomes > 0) {
    q.set_service_level_percent(100.0 * static_cast<double>(q.answered_within_target()) / outcomes);
    q.set_abandonment_percent(100.0 * static_cast<double>(q.abandoned()) / outcomes);
  }
  if (q.answered() > 0) q.set_average_speed_of_answer_seconds(Seconds(wait_total) / q.answered());
  if (q.handled() > 0) q.set_average_handle_time_seconds(Seconds(handle_total) / q.handled());
}

}  // namespace

FloorStats::FloorStats(FloorStatsOptions options) : options_(std::move(options)) {}

int64_t FloorStats::MinuteOf(TimePoint t) {
  return std::chrono::floor<minutes>(t.time_since_epoch()).count();
}

template <typename Bucket>
Bucket* FloorStats::BucketAt(std::vector<Bucket>& ring, TimePoint at) {
  const int64_t minute = MinuteOf(at);
  const int64_t n = static_cast<int64_t>(ring.size());
  Bucket& bucket = ring[static_cast<size_t>(((minute % n) + n) % n)];
  if (bucket.minute > minute) return nullptr;  // older than the window: nothing to count
  if (bucket.minute < minute) bucket = Bucket{.minute = minute};
  return &bucket;
}

std::string FloorStats::QueueName(std::string_view queue) const {
  if (queue.empty()) return "default";
  if (!queues_.contains(queue) && queues_.size() >= options_.max_queues) return "other";
  return std::string(queue);
}

FloorStats::QueueBucket* FloorStats::QueueAt(std::string_view queue, TimePoint at) {
  const std::string name = QueueName(queue);
  auto it = queues_.find(name);
  if (it == queues_.end()) {
    it = queues_.emplace(name, std::vector<QueueBucket>(static_cast<size_t>(options_.window_minutes))).first;
  }
  return BucketAt(it->second, at);
}

Duration FloorStats::AnswerTarget(std::string_view queue) const {
  auto it = options_.answer_targets.find(QueueName(queue));
  if (it == options_.answer_targets.end()) it = options_.answer_targets.find("*");
  return it == options_.answer_targets.end() ? Duration::zero() : it->second;
}

void FloorStats::Arrived(std::string_view queue, TimePoint at) {
  if (auto* b = QueueAt(queue, at)) ++b->offered;
}

void FloorStats::Answered(std::string_view queue, Duration waited, TimePoint at) {
  auto* b = QueueAt(queue, at);
  if (b == nullptr) return;
  ++b->answered;
  b->wait_total += waited;
  if (waited <= AnswerTarget(queue)) ++b->within_target;
}

void FloorStats::Abandoned(std::string_view queue, Duration waited, TimePoint at) {
  auto* b = QueueAt(queue, at);
  if (b == nullptr) return;
  if (waited < options_.short_abandon) {
    ++b->short_abandoned;
  } else {
    ++b->abandoned;
  }
}

void FloorStats::Breached(std::string_view queue, std::string_view kind, bool escalated, TimePoint at) {
  auto* b = QueueAt(queue, at);
  if (b == nullptr) return;
  auto it = b->breaches.find(kind);
  if (it == b->breaches.end()) it = b->breaches.emplace(std::string(kind), 0).first;
  ++it->second;
  if (escalated) ++b->escalations;
}

FloorStats::AgentClock& FloorStats::Agent(const std::string& agent_id, TimePoint at) {
  auto [it, created] = agents_.try_emplace(agent_id);
  AgentClock& agent = it->second;
  if (created) {
    agent.buckets.resize(static_cast<size_t>(options_.window_minutes));
    agent.accrued_to = at;
  }
  Accrue(agent, at);
  return agent;
}

void FloorStats::Accrue(AgentClock& agent, TimePoint to) {
  if (to <= agent.accrued_to) return;
  if (agent.logged_in) {
    // Minutes before the window would only be overwritten: start at the window's first.
    TimePoint from = std::max(agent.accrued_to, TimePoint(minutes(MinuteOf(to) - options_.window_minutes + 1)));
    while (from < to) {
      const TimePoint end = std::min(to, TimePoint(minutes(MinuteOf(from) + 1)));
      if (auto* b = BucketAt(agent.buckets, from)) {
        b->logged_in += end - from;
        if (agent.holding > 0) b->handling += end - from;
      }
      from = end;
    }
  }
  agent.accrued_to = to;
}

void FloorStats::PresenceChanged(const std::string& agent_id, omnibroker::v1::Presence presence, TimePoint at) {
  Agent(agent_id, at).logged_in =
      presence == omnibroker::v1::PRESENCE_AVAILABLE || presence == omnibroker::v1::PRESENCE_BUSY;
}

void FloorStats::HandlingStarted(const std::string& conversation_id, std::string_view queue,
                                 const std::string& agent_id, TimePoint at) {
  // A second start for the same conversation (not expected) replaces the first without leaking
  // its hold on the agent.
  HandlingEnded(conversation_id, false, at);
  ++Agent(agent_id, at).holding;
  handles_[conversation_id] = Handle{QueueName(queue), agent_id, at};
}

void FloorStats::HandlingEnded(const std::string& conversation_id, bool handled, TimePoint at) {
  auto it = handles_.find(conversation_id);
  if (it == handles_.end()) return;
  const Handle handle = std::move(it->second);
  handles_.erase(it);
  AgentClock& agent = Agent(handle.agent_id, at);
  --agent.holding;
  if (!handled) return;
  if (auto* b = BucketAt(agent.buckets, at)) ++b->handled;
  if (auto* b = QueueAt(handle.queue, at)) {
    ++b->handled;
    b->handle_total += at - handle.started;
  }
}

omnibroker::v1::FloorStats FloorStats::Snapshot(TimePoint now, const std::vector<LiveQueueEntry>& waiting,
                                                const std::vector<LiveAgent>& agents) {
  const int64_t last = MinuteOf(now);
  const int64_t first = last - options_.window_minutes + 1;
  auto in_window = [&](int64_t minute) { return minute >= first && minute <= last; };
  omnibroker::v1::FloorStats out;
  *out.mutable_taken_at() = ToProto(now);
  out.set_window_minutes(options_.window_minutes);
  *out.mutable_window_start() = ToProto(TimePoint(minutes(first)));

  std::map<std::string, omnibroker::v1::QueueStats> queues;
  std::map<std::string, std::pair<Duration, Duration>> totals;  // queue -> wait, handle
  auto queue = [&](const std::string& name) -> omnibroker::v1::QueueStats& {
    auto [it, created] = queues.try_emplace(name);
    if (created) {
      it->second.set_queue(name);
      it->second.set_answer_target_seconds(Seconds(AnswerTarget(name)));
    }
    return it->second;
  };
  for (const auto& [name, ring] : queues_) {
    auto& q = queue(name);
    auto& [wait, handle] = totals[name];
    for (const auto& b : ring) {
      if (!in_window(b.minute)) continue;
      q.set_offered(q.offered() + b.offered);
      q.set_answered(q.answered() + b.answered);
      q.set_answered_within_target(q.answered_within_target() + b.within_target);
      q.set_abandoned(q.abandoned() + b.abandoned);
      q.set_short_abandoned(q.short_abandoned() + b.short_abandoned);
      q.set_handled(q.handled() + b.handled);
      q.set_escalations(q.escalations() + b.escalations);
      wait += b.wait_total;
      handle += b.handle_total;
      for (const auto& [kind, n] : b.breaches) {
        (*q.mutable_breaches_by_kind())[kind] += n;
        q.set_sla_breaches(q.sla_breaches() + n);
      }
    }
  }
  for (const auto& entry : waiting) {
    auto& q = queue(QueueName(entry.queue));
    q.set_waiting(q.waiting() + 1);
    q.set_longest_wait_seconds(std::max(q.longest_wait_seconds(), Seconds(now - entry.queued_at)));
  }

  auto& total = *out.mutable_total();
  Duration total_wait{}, total_handle{};
  for (auto& [name, q] : queues) {
    const auto [wait, handle] = totals[name];
    FillRatios(q, wait, handle);
    total_wait += wait;
    total_handle += handle;
    total.set_waiting(total.waiting() + q.waiting());
    total.set_longest_wait_seconds(std::max(total.longest_wait_seconds(), q.longest_wait_seconds()));
    total.set_offered(total.offered() + q.offered());
    total.set_answered(total.answered() + q.answered());
    total.set_answered_within_target(total.answered_within_target() + q.answered_within_target());
    total.set_abandoned(total.abandoned() + q.abandoned());
    total.set_short_abandoned(total.short_abandoned() + q.short_abandoned());
    total.set_handled(total.handled() + q.handled());
    total.set_sla_breaches(total.sla_breaches() + q.sla_breaches());
    total.set_escalations(total.escalations() + q.escalations());
    for (const auto& [kind, n] : q.breaches_by_kind()) (*total.mutable_breaches_by_kind())[kind] += n;
    *out.add_queues() = std::move(q);
  }
  FillRatios(total, total_wait, total_handle);

  for (const auto& live : agents) {
    auto* a = out.add_agents();
    a->set_agent_id(live.agent_id);
    a->set_presence(live.presence);
    a->set_connected(live.connected);
    a->set_load(live.load);
    a->set_capacity(live.capacity);
    a->set_quality(live.quality);
    a->set_quality_why(live.quality_why);
    auto it = agents_.find(live.agent_id);
    if (it == agents_.end()) continue;
    Accrue(it->second, now);
    Duration logged_in{}, handling{};
    for (const auto& b : it->second.buckets) {
      if (!in_window(b.minute)) continue;
      logged_in += b.logged_in;
      handling += b.handling;
      a->set_handled(a->handled() + b.handled);
    }
    a->set_logged_in_seconds(Seconds(logged_in));
    a->set_handling_seconds(Seconds(handling));
    if (logged_in > Duration::zero()) a->set_occupancy_percent(100.0 * Seconds(handling) / Seconds(logged_in));
  }
  return out;
}

}  // namespace omni::ops
