// PublishAll answers "all acked" only when every event of a delivery is acked, and otherwise says
// which way it failed. The context here records publishes so the test decides when acks arrive
// (from another thread, as the SDK's I/O thread does); the real path is covered by the web chat
// flow in tests/integration/broker_flow_test.cc.
#include "connectors/sdk/publish_all.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

namespace omni::connectors {
namespace {

using omnibroker::v1::Event;
using omnibroker::v1::IngestAck;

class RecordingContext : public ConnectorContext {
 public:
  absl::Status Publish(Event event, AckCallback done) override {
    std::lock_guard lock(mu_);
    if (published_.size() == fail_at_) return absl::ResourceExhaustedError("outbox full");
    published_.emplace_back(std::move(event), std::move(done));
    return absl::OkStatus();
  }
  const Clock& clock() const override { return clock_; }
  std::string_view tenant() const override { return "default"; }

  // Acks event `i` with `status` (call after PublishAll queued it).
  void Ack(size_t i, omnibroker::v1::IngestStatus status, std::string reason = "") {
    AckCallback done;
    IngestAck ack;
    {
      std::lock_guard lock(mu_);
      ack.set_event_id(published_.at(i).first.id());
      done = published_.at(i).second;
    }
    ack.set_status(status);
    ack.set_reason(std::move(reason));
    done(ack);
  }
  size_t fail_at_ = SIZE_MAX;

 private:
  std::mutex mu_;
  std::vector<std::pair<Event, AckCallback>> published_;
  SystemClock clock_;
};

std::vector<Event> Events(int n) {
  std::vector<Event> events(n);
  for (int i = 0; i < n; ++i) events[i].set_id("e" + std::to_string(i));
  return events;
}

// Acks events from another thread once all of them were published.
std::thread AckLater(RecordingContext& context,
                     std::vector<omnibroker::v1::IngestStatus> statuses) {
  return std::thread([&context, statuses] {
    for (size_t i = statuses.size(); i-- > 0;) {  // out of order on purpose
      while (true) {
        try {
          context.Ack(i, statuses[i], "tenant unknown");
          break;
        } catch (const std::out_of_range&) {
          std::this_thread::yield();  // not published yet
        }
      }
    }
  });
}

TEST(PublishAllTest, NothingToPublishIsAcked) {
  RecordingContext context;
  EXPECT_TRUE(PublishAll(context, {}, std::chrono::milliseconds(0)).ok());
}

TEST(PublishAllTest, AllAckedKeepsEventOrder) {
  RecordingContext context;
  std::thread acker = AckLater(
      context, {omnibroker::v1::INGEST_STATUS_ACCEPTED, omnibroker::v1::INGEST_STATUS_DUPLICATE,
                omnibroker::v1::INGEST_STATUS_ACCEPTED});
  const PublishOutcome outcome = PublishAll(context, Events(3), std::chrono::seconds(10));
  acker.join();
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  ASSERT_EQ(outcome.acks.size(), 3u);
  EXPECT_EQ(outcome.acks[0].event_id(), "e0");
  EXPECT_EQ(outcome.acks[2].event_id(), "e2");
}

TEST(PublishAllTest, MissingAckIsATimeoutAndALateAckIsHarmless) {
  RecordingContext context;
  std::thread acker = AckLater(
      context, {omnibroker::v1::INGEST_STATUS_ACCEPTED, omnibroker::v1::INGEST_STATUS_ACCEPTED});
  const PublishOutcome outcome = PublishAll(context, Events(3), std::chrono::milliseconds(200));
  acker.join();
  EXPECT_EQ(outcome.kind, PublishOutcome::Kind::kTimeout);
  EXPECT_EQ(outcome.acks.size(), 2u);
  EXPECT_NE(outcome.message.find("2 of 3"), std::string::npos) << outcome.message;
  context.Ack(2, omnibroker::v1::INGEST_STATUS_ACCEPTED);  // after PublishAll returned
}

TEST(PublishAllTest, OneRejectionRejectsTheDelivery) {
  RecordingContext context;
  std::thread acker = AckLater(
      context, {omnibroker::v1::INGEST_STATUS_ACCEPTED, omnibroker::v1::INGEST_STATUS_REJECTED});
  const PublishOutcome outcome = PublishAll(context, Events(2), std::chrono::seconds(10));
  acker.join();
  EXPECT_EQ(outcome.kind, PublishOutcome::Kind::kRejected);
  EXPECT_NE(outcome.message.find("e1"), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("tenant unknown"), std::string::npos) << outcome.message;
}

TEST(PublishAllTest, QueueFailureIsReported) {
  RecordingContext context;
  context.fail_at_ = 1;
  std::thread acker = AckLater(context, {omnibroker::v1::INGEST_STATUS_ACCEPTED});
  const PublishOutcome outcome = PublishAll(context, Events(3), std::chrono::seconds(10));
  acker.join();
  EXPECT_EQ(outcome.kind, PublishOutcome::Kind::kNotQueued);
  EXPECT_NE(outcome.message.find("outbox full"), std::string::npos) << outcome.message;
}

}  // namespace
}  // namespace omni::connectors
