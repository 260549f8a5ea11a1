// IngestFront: what it hands partitions (in batches, in the order read) and when it stops reading.
#include "broker/ingest/ingest_front.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "connectors/sdk/reliable_client.h"
#include "tests/support/events.h"

namespace omni::ingest {
namespace {

using namespace std::chrono_literals;

// A partition that only records: frames are handed when the front flushes, and are never handled
// unless the test says so.
class RecordingSink : public FrameSink {
 public:
  bool ToTenant(std::string_view tenant, Admitted frame) override {
    queued_.push_back(frame.received.frame->event().id());
    return true;
  }
  void ToPartition(int partition, Admitted frame) override {}
  int ToAll(const Admitted& frame) override { return 0; }
  void Flush() override {
    std::lock_guard lock(mu_);
    handed_.insert(handed_.end(), queued_.begin(), queued_.end());
    queued_.clear();
    changed_.notify_all();
  }

  // The event ids handed so far, once there are at least `count`; empty after 10 s.
  std::vector<std::string> WaitForHanded(size_t count) {
    std::unique_lock lock(mu_);
    if (!changed_.wait_for(lock, 10s, [&] { return handed_.size() >= count; })) return {};
    return handed_;
  }

 private:
  std::vector<std::string> queued_;  // the front's thread's
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> handed_;
};

TEST(IngestFrontTest, FramesReachTheSinkInOrderAndNoMoreThanMaxInFlightWaitUnhandled) {
  zmq::context_t zmq;
  ops::BrokerMetrics metrics;
  IngestFront front(zmq, metrics, {.endpoints = {"inproc://front-test"}, .max_in_flight = 5});
  RecordingSink sink;
  ASSERT_TRUE(front.Start(sink).ok());
  // Unacked events are not sent again during the test.
  connectors::ReliableClient client(
      zmq,
      {.broker_endpoint = "inproc://front-test", .connector_name = "test", .ack_timeout = 1min},
      [](omnibroker::v1::Delivery) {});
  ASSERT_TRUE(client.Start().ok());
  std::vector<std::string> published;
  for (int i = 0; i < 12; ++i) {
    published.push_back("e" + std::to_string(i));
    ASSERT_TRUE(client
                    .Publish(testing::MessageFrom(published.back(), "webchat", "v", "hi"),
                             [](const omnibroker::v1::IngestAck&) {})
                    .ok());
  }

  EXPECT_EQ(sink.WaitForHanded(5),
            std::vector<std::string>(published.begin(), published.begin() + 5));
  // At the bound the front reads nothing more until partitions handle what they hold: once 5 are
  // handled it hands exactly 5 more (it never had more than 5 out).
  front.Handled(5);
  EXPECT_EQ(sink.WaitForHanded(10),
            std::vector<std::string>(published.begin(), published.begin() + 10));
  front.Handled(5);
  EXPECT_EQ(sink.WaitForHanded(12), published);

  client.Stop();
  front.Stop();
}

}  // namespace
}  // namespace omni::ingest
