// Durable ingest benchmark. In one process and one run:
//   baseline: raw RocksDB, W writer threads each writing a WriteBatch of the same shape as an
//             ingested event (event + conversation + dedupe) with sync=true, so RocksDB's own
//             group commit batches the fsyncs;
//   broker:   events published through the connector SDK (ReliableClient, ZeroMQ) into the
//             broker core, acked only after group commit made them durable.
// Prints events/s and ack latency p50/p99 of each, and the ratio broker / baseline.
//
//   omni-ingest-bench [--events N] [--writers W] [--transport inproc|tcp]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"
#include "broker/store/store.h"
#include "connectors/sdk/reliable_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using omni::store::Family;

struct Result {
  double events_per_s;
  double p50_us;
  double p99_us;
};

std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "omni-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

Result Summarize(std::vector<double>& latencies_us, double seconds) {
  std::sort(latencies_us.begin(), latencies_us.end());
  auto at = [&](double q) { return latencies_us[static_cast<size_t>(q * (latencies_us.size() - 1))]; };
  return {latencies_us.size() / seconds, at(0.50), at(0.99)};
}

omnibroker::v1::Event MakeEvent(int i, int threads) {
  omnibroker::v1::Event e;
  e.set_id("bench:" + std::to_string(i));
  e.set_tenant("default");
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  e.set_provider("webchat");
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  const std::string visitor = "v_" + std::to_string(i % threads);
  e.mutable_sender()->set_provider("webchat");
  e.mutable_sender()->set_handle(visitor);
  e.set_thread_key(visitor);
  *e.mutable_occurred_at() = omni::ToProto(std::chrono::system_clock::now());
  e.mutable_content()->set_text("Hello, I have a question about my order number " + std::to_string(i));
  return e;
}

Result RawRocksDb(int events, int writers) {
  const auto dir = MakeTempDir();
  Result result;
  {
    auto store = omni::store::Store::Open({.dir = dir});
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      std::exit(1);
    }
    omnibroker::v1::Conversation conversation;
    conversation.set_id("c_0123456789abcdef0123456789abcdef");
    conversation.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
    std::vector<double> latencies(events);
    std::atomic<int> next{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
      threads.emplace_back([&] {
        rocksdb::WriteOptions sync;
        sync.sync = true;
        for (int i = next++; i < events; i = next++) {
          const auto t0 = Clock::now();
          const auto event = MakeEvent(i, 1000);
          rocksdb::WriteBatch batch;
          (*store)->Put(batch, Family::kEvents, omni::store::EventKey(conversation.id(), i + 1), event);
          (*store)->Put(batch, Family::kConversations, conversation.id(), conversation);
          (*store)->Put(batch, Family::kDedupe, omni::store::DedupeKey("default", event.id()), std::string_view("ack"));
          if (!(*store)->db()->Write(sync, &batch).ok()) std::abort();
          latencies[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        }
      });
    }
    for (auto& t : threads) t.join();
    result = Summarize(latencies, std::chrono::duration<double>(Clock::now() - start).count());
  }
  std::filesystem::remove_all(dir);
  return result;
}

Result Broker(int events, const std::string& transport) {
  const auto dir = MakeTempDir();
  Result result;
  {
    zmq::context_t zmq;
    // The broker's metrics, recorded as in production (what they cost is part of the result).
    omni::ops::BrokerMetrics metrics;
    auto store = omni::store::Store::Open(
        {.dir = dir, .write_latency = &metrics.store_write, .sync_latency = &metrics.store_sync});
    if (!store.ok()) std::abort();
    const std::string endpoint = transport == "tcp" ? "tcp://127.0.0.1:*" : "inproc://bench";
    omni::core::BrokerCore core(zmq, **store, omni::SystemClock::Get(), metrics,
                                {.ingest_endpoints = {endpoint}});
    if (!core.Start().ok()) std::abort();
    omni::connectors::ReliableClient client(
        zmq, {.broker_endpoint = core.ingest_endpoints()[0], .connector_name = "bench"},
        [](omnibroker::v1::Delivery) {});
    if (!client.Start().ok()) std::abort();

    std::vector<double> latencies(events);
    std::atomic<int> acked{0};
    std::mutex mu;
    std::condition_variable all_acked;
    const auto start = Clock::now();
    for (int i = 0; i < events; ++i) {
      const auto t0 = Clock::now();
      auto s = client.Publish(MakeEvent(i, 1000), [&, i, t0](const omnibroker::v1::IngestAck& ack) {
        if (ack.status() != omnibroker::v1::INGEST_STATUS_ACCEPTED) {
          std::fprintf(stderr, "event %d not accepted: %s\n", i, ack.reason().c_str());
          std::abort();
        }
        latencies[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        if (++acked == events) {
          std::lock_guard lock(mu);
          all_acked.notify_one();
        }
      });
      if (!s.ok()) std::abort();
    }
    {
      std::unique_lock lock(mu);
      all_acked.wait(lock, [&] { return acked.load() == events; });
    }
    result = Summarize(latencies, std::chrono::duration<double>(Clock::now() - start).count());
    client.Stop();
    core.Stop();
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int events = 20000;
  int writers = 64;
  std::string transport = "inproc";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--writers")) writers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--transport")) transport = argv[i + 1];
  }
  const Result raw = RawRocksDb(events, writers);
  const Result broker = Broker(events, transport);
  std::printf("durable ingest, %d events, 1000 conversations\n", events);
  std::printf("  raw RocksDB synced group commit (%d writers): %9.0f events/s  p50 %7.0f us  p99 %7.0f us\n",
              writers, raw.events_per_s, raw.p50_us, raw.p99_us);
  std::printf("  broker via SDK over %-6s (ack after sync): %9.0f events/s  p50 %7.0f us  p99 %7.0f us\n",
              transport.c_str(), broker.events_per_s, broker.p50_us, broker.p99_us);
  std::printf("  ratio broker/raw: %.2f  (target >= 0.60)\n", broker.events_per_s / raw.events_per_s);
  return 0;
}
