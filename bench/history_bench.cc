// A customer's latest 50 events, of 10 000 spread over 100 conversations (among 50 000 events of
// other customers), read through the customer_events index, next to what a broker without the
// index would do in the same run: find the customer's conversations, read all their events,
// keep the newest 50. Reports mean_us and p99_us per read (Google Benchmark).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "bench/latency_counters.h"
#include "broker/store/customer_history.h"
#include "broker/store/keys.h"
#include "broker/store/store.h"
#include "omnibroker/v1/conversation.pb.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::store {
namespace {

constexpr int kCustomerEvents = 10'000;
constexpr int kConversations = 100;
constexpr int kOtherEvents = 50'000;

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<Store> store;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("omni-history-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    store = *Store::Open({.dir = dir});
    uint64_t micros = 1'700'000'000'000'000;
    auto add = [&](const std::string& customer, const std::string& conversation, uint64_t sequence) {
      omnibroker::v1::Event e;
      e.set_id("e-" + conversation + "-" + std::to_string(sequence));
      e.set_customer_id(customer);
      e.set_conversation_id(conversation);
      e.set_sequence(sequence);
      e.mutable_content()->set_text(std::string(200, 'x'));
      e.mutable_received_at()->set_seconds(static_cast<int64_t>(micros / 1'000'000));
      rocksdb::WriteBatch batch;
      const std::string key = EventKey(conversation, sequence);
      store->Put(batch, Family::kEvents, key, e);
      store->Put(batch, Family::kCustomerEvents, CustomerEventKey(customer, micros++, key), key);
      (void)store->Write(batch);
    };
    for (int c = 0; c < kConversations; ++c) {
      omnibroker::v1::Conversation conversation;
      conversation.set_id("conv-" + std::to_string(c));
      conversation.set_customer_id("cus-target");
      rocksdb::WriteBatch batch;
      store->Put(batch, Family::kConversations, conversation.id(), conversation);
      (void)store->Write(batch);
    }
    for (int i = 0; i < kOtherEvents; ++i) {
      const int other = i % 500;
      if (i < 500) {
        omnibroker::v1::Conversation conversation;
        conversation.set_id("other-" + std::to_string(other));
        conversation.set_customer_id("cus-" + std::to_string(other));
        rocksdb::WriteBatch batch;
        store->Put(batch, Family::kConversations, conversation.id(), conversation);
        (void)store->Write(batch);
      }
      add("cus-" + std::to_string(other), "other-" + std::to_string(other), i / 500 + 1);
      if (i % 5 == 0) add("cus-target", "conv-" + std::to_string((i / 5) % kConversations), (i / 5) / kConversations + 1);
    }
    (void)store->SyncWal();
    (void)store->db()->Flush(rocksdb::FlushOptions());
  }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}


void BM_Latest50_CustomerIndex(benchmark::State& state) {
  Store& store = *Shared().store;
  std::vector<double> micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    auto page = ReadCustomerHistory(store, "cus-target", 50, "", /*newest_first=*/true);
    micros.push_back(bench::MicrosSince(start));
    if (!page.ok() || page->events_size() != 50) state.SkipWithError("wrong page");
  }
  bench::ReportLatency(state, micros);
}

void BM_Latest50_ScanConversations(benchmark::State& state) {
  Store& store = *Shared().store;
  std::vector<double> micros;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> conversations;
    (void)store.Scan(Family::kConversations, "", false, std::nullopt, [&](std::string_view key, std::string_view value) {
      omnibroker::v1::Conversation c;
      c.ParseFromArray(value.data(), static_cast<int>(value.size()));
      if (c.customer_id() == "cus-target") conversations.emplace_back(key);
      return true;
    });
    std::vector<omnibroker::v1::Event> events;
    for (const auto& id : conversations) {
      (void)store.Scan(Family::kEvents, EventPrefix(id), false, std::nullopt, [&](std::string_view, std::string_view value) {
        events.emplace_back().ParseFromArray(value.data(), static_cast<int>(value.size()));
        return true;
      });
    }
    const size_t n = std::min<size_t>(50, events.size());
    std::partial_sort(events.begin(), events.begin() + n, events.end(), [](const auto& a, const auto& b) {
      return a.received_at().seconds() > b.received_at().seconds();
    });
    micros.push_back(bench::MicrosSince(start));
    if (events.size() != kCustomerEvents) state.SkipWithError("wrong count");
  }
  bench::ReportLatency(state, micros);
}

BENCHMARK(BM_Latest50_CustomerIndex)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Latest50_ScanConversations)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace omni::store

BENCHMARK_MAIN();
