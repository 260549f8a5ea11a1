// What one Meta webhook body turns into. Meta batches several entries, changes and items into one
// POST; items that are not customer traffic (the page's own echoes, unsupported or system
// messages, a removed reaction) are skipped with a reason so the rest of the batch is still
// routed. A body with nothing routable is rejected with the first reason (INVALID_ARGUMENT: the
// endpoint answers 400 and counts it), so nothing is dropped without a trace. Malformed items are
// not skipped: they reject the whole body.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::meta {

class EventBatch {
 public:
  void Add(omnibroker::v1::Event event) { events_.push_back(std::move(event)); }
  void Skip(std::string reason) { skipped_.push_back(std::move(reason)); }

  // The events, or the reason nothing is routed (`empty_reason` when nothing was skipped either).
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Finish(const std::string& empty_reason) && {
    if (!events_.empty()) return std::move(events_);
    return absl::InvalidArgumentError(skipped_.empty() ? empty_reason : skipped_.front());
  }

 private:
  std::vector<omnibroker::v1::Event> events_;
  std::vector<std::string> skipped_;
};

}  // namespace omni::connectors::meta
