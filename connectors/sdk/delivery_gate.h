// DeliveryGate: what a connector host does with each delivery the broker sends, and sends again
// (every BrokerCoreOptions::delivery_retry until it has an answer): a delivery is worked on once at
// a time (a resend while it is queued or being delivered starts no second send), at most
// max_in_progress deliveries are worked on at once (more are answered "busy", not ok and not
// permanent, so the broker sends them again later), a delivery that failed is not tried again
// before its backoff passes (exponential with jitter, capped; resends before then are answered
// "backing off" without calling the provider), and a resend of a delivery already answered gets
// the same answer again instead of a second send to the provider.
//
// Thread-safe: Admit runs on the broker link's I/O thread, Finished on the delivery thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "base/clock.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::connectors {

struct DeliveryLimits {
  // Deliveries queued or being delivered, at most.
  size_t max_in_progress = 64;
  // The wait after a delivery's first failure; doubled after each further one up to max_backoff.
  // The wait drawn is between half of that and all of it (jitter), so deliveries that failed
  // together (a provider outage) do not all come back at once.
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
  // Answers remembered for deliveries already done, for a resend that crossed the answer.
  size_t remembered_answers = 1024;
};

class DeliveryGate {
 public:
  DeliveryGate(DeliveryLimits limits, const Clock& clock);

  struct Admission {
    enum class Kind {
      kDeliver,  // deliver it now, then call Finished
      kAnswer,   // send `answer` back without delivering
      kIgnore,   // being worked on: that work's answer is the answer
    };
    Kind kind = Kind::kDeliver;
    omnibroker::v1::DeliveryAck answer;
  };
  Admission Admit(const omnibroker::v1::Delivery& delivery);
  // The outcome of a delivery Admit let through.
  void Finished(const omnibroker::v1::DeliveryAck& answer);

  size_t in_progress() const;

 private:
  struct Backoff {
    int failures = 0;
    TimePoint retry_at;
    std::string last_error;
  };
  Duration NextWait(int failures);
  // Drops backoffs of deliveries the broker stopped sending (answered elsewhere, or erased).
  void ForgetStaleBackoffs(TimePoint now);
  static omnibroker::v1::DeliveryAck NotNow(const std::string& delivery_id, std::string why);

  const DeliveryLimits limits_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::set<std::string> in_progress_;
  std::map<std::string, Backoff> backoffs_;
  std::map<std::string, omnibroker::v1::DeliveryAck> answers_;
  std::deque<std::string> answer_order_;  // oldest first, to forget beyond remembered_answers
  std::mt19937_64 random_{std::random_device{}()};
  TimePoint next_stale_sweep_{};
};

}  // namespace omni::connectors
