#include "connectors/sdk/delivery_gate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace omni::connectors {

using omnibroker::v1::DeliveryAck;

DeliveryGate::DeliveryGate(DeliveryLimits limits, const Clock& clock)
    : limits_(limits), clock_(clock) {}

DeliveryGate::Admission DeliveryGate::Admit(const omnibroker::v1::Delivery& delivery) {
  const std::string& id = delivery.delivery_id();
  std::lock_guard lock(mu_);
  if (in_progress_.contains(id)) return {.kind = Admission::Kind::kIgnore};
  if (auto answered = answers_.find(id); answered != answers_.end()) {
    return {.kind = Admission::Kind::kAnswer, .answer = answered->second};
  }
  const TimePoint now = clock_.Now();
  if (auto backoff = backoffs_.find(id);
      backoff != backoffs_.end() && now < backoff->second.retry_at) {
    const auto wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(backoff->second.retry_at - now);
    return {.kind = Admission::Kind::kAnswer,
            .answer = NotNow(
                id, absl::StrCat("backing off after ", backoff->second.failures,
                                 " failed attempts, next one in ", wait.count(),
                                 " ms; the last failed with: ", backoff->second.last_error))};
  }
  if (in_progress_.size() >= limits_.max_in_progress) {
    return {.kind = Admission::Kind::kAnswer,
            .answer = NotNow(id, absl::StrCat("connector busy: ", in_progress_.size(),
                                              " deliveries in progress"))};
  }
  in_progress_.insert(id);
  return {.kind = Admission::Kind::kDeliver};
}

void DeliveryGate::Finished(const DeliveryAck& answer) {
  const std::string& id = answer.delivery_id();
  std::lock_guard lock(mu_);
  in_progress_.erase(id);
  const TimePoint now = clock_.Now();
  ForgetStaleBackoffs(now);
  if (!answer.ok() && !answer.permanent()) {
    Backoff& backoff = backoffs_[id];
    ++backoff.failures;
    backoff.retry_at = now + NextWait(backoff.failures);
    backoff.last_error = answer.error();
    return;
  }
  backoffs_.erase(id);
  if (answers_.emplace(id, answer).second) answer_order_.push_back(id);
  while (answer_order_.size() > limits_.remembered_answers) {
    answers_.erase(answer_order_.front());
    answer_order_.pop_front();
  }
}

size_t DeliveryGate::in_progress() const {
  std::lock_guard lock(mu_);
  return in_progress_.size();
}

Duration DeliveryGate::NextWait(int failures) {
  const int64_t first = limits_.first_backoff.count();
  const int64_t cap = std::max(first, static_cast<int64_t>(limits_.max_backoff.count()));
  int64_t wait = first;
  for (int i = 1; i < failures && wait < cap; ++i) wait *= 2;
  wait = std::min(wait, cap);
  std::uniform_int_distribution<int64_t> jittered(wait / 2, wait);
  return std::chrono::milliseconds(jittered(random_));
}

void DeliveryGate::ForgetStaleBackoffs(TimePoint now) {
  if (now < next_stale_sweep_) return;
  next_stale_sweep_ = now + limits_.max_backoff;
  // The broker resends every few seconds: a backoff over for longer than the longest one is of a
  // delivery it no longer sends.
  std::erase_if(backoffs_, [&](const auto& entry) {
    return entry.second.retry_at + limits_.max_backoff < now;
  });
}

DeliveryAck DeliveryGate::NotNow(const std::string& delivery_id, std::string why) {
  DeliveryAck answer;
  answer.set_delivery_id(delivery_id);
  answer.set_ok(false);
  answer.set_permanent(false);
  answer.set_error(std::move(why));
  return answer;
}

}  // namespace omni::connectors
