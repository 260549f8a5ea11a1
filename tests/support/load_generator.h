// A load generator for the tests that kill brokers under load: publishes events through a
// connector's client on a thread of its own, about 2000 a second with a bounded backlog (the point
// is many crashes under load, not a huge outbox), and keeps each event's first ack.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "connectors/sdk/reliable_client.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::testing {

// How many cycles a test that kills brokers under load runs: the environment variable `variable`
// (at least 1) for the long runs, else `fallback`.
inline int CyclesFromEnvironment(const char* variable, int fallback) {
  const char* value = std::getenv(variable);
  return value != nullptr ? std::max(1, std::atoi(value)) : fallback;
}

class LoadGenerator {
 public:
  // Publishes event_of(0), event_of(1), … until Stop.
  LoadGenerator(connectors::ReliableClient& client,
                std::function<omnibroker::v1::Event(int)> event_of)
      : thread_([this, &client, event_of = std::move(event_of)] {
          using namespace std::chrono_literals;
          for (int n = 0; !stop_; ++n) {
            if (n % 20 == 0) std::this_thread::sleep_for(10ms);
            while (client.pending() > 300 && !stop_) std::this_thread::sleep_for(5ms);
            const absl::Status published =
                client.Publish(event_of(n), [this](const omnibroker::v1::IngestAck& ack) {
                  std::lock_guard lock(mu_);
                  acks_.emplace(ack.event_id(), ack.status());
                });
            EXPECT_TRUE(published.ok()) << published;
            published_ = n + 1;
          }
        }) {}
  ~LoadGenerator() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int published() const { return published_; }
  size_t acked() const {
    std::lock_guard lock(mu_);
    return acks_.size();
  }

  // Once stopped and all acknowledged: every event published was answered ACCEPTED (or
  // DUPLICATE), and `stored` (inbound event id -> copies in the store) holds each exactly once
  // and nothing else.
  void ExpectEachStoredOnce(std::map<std::string, int>& stored) const {
    std::lock_guard lock(mu_);
    ASSERT_EQ(static_cast<int>(acks_.size()), published_.load())
        << "every published event was acknowledged";
    size_t wrong = 0;
    for (const auto& [id, ack] : acks_) {
      if (ack != omnibroker::v1::INGEST_STATUS_ACCEPTED &&
          ack != omnibroker::v1::INGEST_STATUS_DUPLICATE) {
        ADD_FAILURE() << id << " answered " << omnibroker::v1::IngestStatus_Name(ack);
        ++wrong;
      }
      if (stored[id] != 1) {
        ADD_FAILURE() << id << " stored " << stored[id] << " times";
        if (++wrong > 10) break;
      }
    }
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(stored.size(), acks_.size()) << "stored events nobody published";
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, omnibroker::v1::IngestStatus> acks_;  // event id -> first ack
  std::atomic<int> published_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: started once the rest is made
};

}  // namespace omni::testing
