// Durable ingest benchmark. In one process and one run:
//   baseline: raw RocksDB, W writer threads each writing a WriteBatch of the same shape as an
//             ingested event (event + conversation + dedupe) with sync=true, so RocksDB's own
//             group commit batches the fsyncs;
//   broker:   events published through the connector SDK (ReliableClient, ZeroMQ) into the
//             broker's ingest front and partitions, acked only after the partition's group commit
//             made them durable; once per partition count P (P tenants, one per partition, the
//             events spread evenly over them).
// Prints events/s, ack latency p50/p99 and the process's CPU time per event of each, the ratio
// of each broker run to the baseline and to the run with one partition.
//
//   omni-ingest-bench [--events N] [--writers W] [--transport inproc|tcp] [--partitions 1,2,4]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "base/time_util.h"
#include "broker/ingest/ingest_front.h"
#include "broker/partitions/partitions.h"
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
  double cpu_us_per_event = 0;
};

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "omni-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

Result Summarize(std::vector<double>& latencies_us, double seconds) {
  std::sort(latencies_us.begin(), latencies_us.end());
  auto at = [&](double q) { return latencies_us[static_cast<size_t>(q * (latencies_us.size() - 1))]; };
  return {latencies_us.size() / seconds, at(0.50), at(0.99)};
}

omnibroker::v1::Event MakeEvent(int i, int threads, const std::string& tenant = "default") {
  omnibroker::v1::Event e;
  e.set_id("bench:" + std::to_string(i));
  e.set_tenant(tenant);
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

Result Broker(int events, const std::string& transport, int partition_count) {
  const auto dir = MakeTempDir();
  Result result;
  {
    zmq::context_t zmq;
    // The broker's metrics, recorded as in production (what they cost is part of the result).
    omni::ops::BrokerMetrics metrics;
    const std::string endpoint = transport == "tcp" ? "tcp://127.0.0.1:*" : "inproc://bench";
    omni::ingest::IngestFront front(zmq, metrics, {.endpoints = {endpoint}});
    omni::partitions::PartitionsOptions options{
        .data_dir = dir,
        .store = {.write_latency = &metrics.store_write, .sync_latency = &metrics.store_sync}};
    options.map.count = partition_count;
    std::vector<std::string> tenants;
    for (int p = 0; p < partition_count; ++p) {
      tenants.push_back("t" + std::to_string(p));
      options.map.assigned[tenants.back()] = p;
      options.tenants[tenants.back()] = omni::routing::DefaultRoutingPolicy();
    }
    auto partitions = omni::partitions::Partitions::Open(std::move(options), front,
                                                         omni::SystemClock::Get(), metrics);
    if (!partitions.ok() || !(*partitions)->Start().ok() || !front.Start(**partitions).ok()) {
      std::abort();
    }
    omni::connectors::ReliableClient client(
        zmq, {.broker_endpoint = front.endpoints()[0], .connector_name = "bench"},
        [](omnibroker::v1::Delivery) {});
    if (!client.Start().ok()) std::abort();

    std::vector<double> latencies(events);
    std::atomic<int> acked{0};
    std::mutex mu;
    std::condition_variable all_acked;
    const double cpu_before = ProcessCpuSeconds();
    const auto start = Clock::now();
    for (int i = 0; i < events; ++i) {
      const auto t0 = Clock::now();
      auto s = client.Publish(MakeEvent(i, 1000, tenants[i % partition_count]),
                              [&, i, t0](const omnibroker::v1::IngestAck& ack) {
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
    result.cpu_us_per_event = (ProcessCpuSeconds() - cpu_before) * 1e6 / events;
    client.Stop();
    front.StopReading();
    (*partitions)->Stop();
    front.Stop();
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int events = 20000;
  int writers = 64;
  std::string transport = "inproc";
  std::vector<int> partition_counts = {1, 2, 4};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--writers")) writers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--transport")) transport = argv[i + 1];
    else if (!std::strcmp(argv[i], "--partitions")) {
      partition_counts.clear();
      for (const auto& n : absl::StrSplit(argv[i + 1], ',')) {
        int count;
        if (!absl::SimpleAtoi(n, &count) || count < 1) return 2;
        partition_counts.push_back(count);
      }
    }
  }
  const double raw_cpu_before = ProcessCpuSeconds();
  Result raw = RawRocksDb(events, writers);
  raw.cpu_us_per_event = (ProcessCpuSeconds() - raw_cpu_before) * 1e6 / events;
  std::printf("durable ingest, %d events, 1000 conversations, %u cores\n", events,
              std::thread::hardware_concurrency());
  std::printf("  raw RocksDB synced group commit (%d writers):    %9.0f events/s  p50 %7.0f us  p99 %7.0f us  cpu %5.1f us/event\n",
              writers, raw.events_per_s, raw.p50_us, raw.p99_us, raw.cpu_us_per_event);
  double one_partition = 0;
  for (int count : partition_counts) {
    const Result broker = Broker(events, transport, count);
    if (one_partition == 0) one_partition = broker.events_per_s;
    std::printf("  broker over %-6s, %2d partition(s) (ack after sync): %9.0f events/s  p50 %7.0f us  p99 %7.0f us  cpu %5.1f us/event  ratio to raw %.2f  to the first %.2f\n",
                transport.c_str(), count, broker.events_per_s, broker.p50_us, broker.p99_us,
                broker.cpu_us_per_event, broker.events_per_s / raw.events_per_s,
                broker.events_per_s / one_partition);
  }
  return 0;
}
