// What one Meta webhook body turns into. Meta batches several entries, changes and items into one
// POST; items that are not routed are left out so the rest of the batch still is, each with a
// reason, in one of two ways:
//   Drop(kind, why): of a kind Meta documents as not customer traffic (an account update, the
//     page's own echo, a system message); a body of nothing else is NotCustomerTraffic
//     (connectors/sdk/not_customer_traffic.h: answered 200, counted by kind), and those beside
//     routed events are handed back by kind for the endpoint to count;
//   Refuse(why): something the connector cannot read (an unknown message type); a body holding
//     nothing routable and one of these is rejected with its reason (INVALID_ARGUMENT: the
//     endpoint answers 400 and counts it), so nothing a customer sent is dropped without a trace.
// Malformed items are neither: they reject the whole body.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::meta {

class EventBatch {
 public:
  void Add(omnibroker::v1::Event event) { events_.push_back(std::move(event)); }
  void Drop(std::string kind, std::string reason) {
    dropped_.emplace_back(std::move(kind), std::move(reason));
  }
  void Refuse(std::string reason) { refused_.push_back(std::move(reason)); }

  // The events (with the kinds dropped beside them in `dropped`, when given); else the first
  // refusal; else the first drop; else `empty_reason`.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Finish(
      const std::string& empty_reason, std::vector<std::string>* dropped = nullptr) && {
    if (!events_.empty()) {
      if (dropped != nullptr) {
        for (auto& [kind, reason] : dropped_) dropped->push_back(std::move(kind));
      }
      return std::move(events_);
    }
    if (!refused_.empty()) return absl::InvalidArgumentError(refused_.front());
    if (!dropped_.empty())
      return NotCustomerTraffic(dropped_.front().first, dropped_.front().second);
    return absl::InvalidArgumentError(empty_reason);
  }

 private:
  std::vector<omnibroker::v1::Event> events_;
  std::vector<std::pair<std::string, std::string>> dropped_;  // kind, reason
  std::vector<std::string> refused_;
};

}  // namespace omni::connectors::meta
