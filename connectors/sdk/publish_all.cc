#include "connectors/sdk/publish_all.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>

#include "absl/strings/str_cat.h"

namespace omni::connectors {
namespace {

// Shared with the ack callbacks, which may run after PublishAll returned on a timeout.
struct Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<omnibroker::v1::IngestAck>> acks;
  size_t arrived = 0;
};

}  // namespace

PublishOutcome PublishAll(ConnectorContext& context, std::vector<omnibroker::v1::Event> events,
                          std::chrono::milliseconds wait) {
  PublishOutcome outcome;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  auto pending = std::make_shared<Pending>();
  pending->acks.resize(events.size());
  size_t queued = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string id = events[i].id();
    const absl::Status status =
        context.Publish(std::move(events[i]), [pending, i](const omnibroker::v1::IngestAck& ack) {
          std::lock_guard lock(pending->mu);
          if (pending->acks[i].has_value()) return;  // a resend acked twice
          pending->acks[i] = ack;
          ++pending->arrived;
          pending->cv.notify_all();
        });
    if (!status.ok()) {
      outcome.kind = PublishOutcome::Kind::kNotQueued;
      outcome.message =
          absl::StrCat("event ", id, " could not be queued: ", status.message());
      break;
    }
    ++queued;
  }
  std::unique_lock lock(pending->mu);
  const bool all = pending->cv.wait_until(lock, deadline, [&] { return pending->arrived == queued; });
  for (const auto& ack : pending->acks) {
    if (ack.has_value()) outcome.acks.push_back(*ack);
  }
  if (outcome.kind == PublishOutcome::Kind::kNotQueued) return outcome;
  if (!all) {
    outcome.kind = PublishOutcome::Kind::kTimeout;
    outcome.message = absl::StrCat("broker acknowledged ", pending->arrived, " of ", queued,
                                   " events in time; they stay queued, retry the delivery");
    return outcome;
  }
  for (const auto& ack : outcome.acks) {
    if (ack.status() == omnibroker::v1::INGEST_STATUS_REJECTED) {
      outcome.kind = PublishOutcome::Kind::kRejected;
      outcome.message = absl::StrCat("broker rejected event ", ack.event_id(), ": ", ack.reason());
      break;
    }
  }
  return outcome;
}

}  // namespace omni::connectors
