// Durable ingest benchmark. In one process and one run:
//   baselines: raw RocksDB, with writes of the shape of an ingested event (event + conversation +
//             dedupe), into S stores (each its own directory and WAL): (1) W writer threads per
//             store with sync=true, so RocksDB's own group commit batches each store's fsyncs, with
//             one store and with as many as each broker run has partitions; (2) one thread per
//             store applying the writes unsynced and one syncing the WAL over and over, each event
//             durable once a sync that began after its write ended (the broker's group commit
//             alone: groups as big as the writer gets ahead);
//   broker:   events published through the connector SDK (ReliableClient, ZeroMQ) into the
//             broker's ingest front and partitions, acked only after the partition's group commit
//             made them durable; once per partition count P (P tenants, one per partition, the
//             events spread evenly over them).
// Prints events/s, ack latency p50/p99 and the process's CPU time per event of each, the ratio
// of each broker run to the baselines and to the run with one partition, and each broker run's
// CPU time per event by thread (bench/thread_cpu.h): the ingest front, each partition's core and
// sync threads, the client (the publishing thread and the connector SDK's), ZeroMQ's I/O threads,
// RocksDB's background threads, and the rest of the process.
// With --cluster S (1 or 3): S NATS servers with JetStream started here (real nats-server
// processes on 127.0.0.1), and after each broker run alone: (3) raw JetStream publishes of the
// same events into a stream with S replicas, pipelined from one publisher as the connector SDK
// pipelines, each acknowledged once the quorum holds it; and the broker in a cluster on those
// servers (its partitions' writes appended to their logs, acked only once the quorum holds them),
// with its ratios to the raw publishes and to the broker alone.
//
//   omni-ingest-bench [--events N] [--writers W] [--transport inproc|tcp] [--partitions 1,2,4]
//                     [--cluster 1|3]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "base/thread_name.h"
#include "base/time_util.h"
#include "bench/thread_cpu.h"
#include "broker/ingest/ingest_front.h"
#include "broker/partitions/partitions.h"
#include "broker/store/keys.h"
#include "broker/store/store.h"
#include "connectors/sdk/reliable_client.h"
#include "tests/support/nats_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using omni::store::Family;

struct Result {
  double events_per_s;
  double p50_us;
  double p99_us;
  double cpu_us_per_event = 0;
  // CPU time per event by group of threads, in the order printed.
  std::vector<std::pair<std::string, double>> cpu_us_by_thread;
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

// What an ingested event writes: the event, its conversation and its dedupe record.
void PutEvent(omni::store::Store& store, rocksdb::WriteBatch& batch, int i) {
  static const omnibroker::v1::Conversation conversation = [] {
    omnibroker::v1::Conversation c;
    c.set_id("c_0123456789abcdef0123456789abcdef");
    c.set_state(omnibroker::v1::CONVERSATION_STATE_QUEUED);
    return c;
  }();
  const auto event = MakeEvent(i, 1000);
  store.Put(batch, Family::kEvents, omni::store::EventKey(conversation.id(), i + 1), event);
  store.Put(batch, Family::kConversations, conversation.id(), conversation);
  store.Put(batch, Family::kDedupe, omni::store::DedupeKey("default", event.id()),
            std::string_view("ack"));
}

std::vector<std::unique_ptr<omni::store::Store>> OpenStores(const std::filesystem::path& dir,
                                                            int stores) {
  std::vector<std::unique_ptr<omni::store::Store>> opened;
  for (int s = 0; s < stores; ++s) {
    auto store = omni::store::Store::Open({.dir = dir / std::to_string(s)});
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      std::exit(1);
    }
    opened.push_back(*std::move(store));
  }
  return opened;
}

// `stores` stores, `writers` threads writing to each with sync=true.
Result RawRocksDb(int events, int stores, int writers) {
  const auto dir = MakeTempDir();
  Result result;
  {
    auto opened = OpenStores(dir, stores);
    std::vector<double> latencies(events);
    std::atomic<int> next{0};
    const double cpu_before = ProcessCpuSeconds();
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int w = 0; w < stores * writers; ++w) {
      threads.emplace_back([&, store = opened[w % stores].get()] {
        rocksdb::WriteOptions sync;
        sync.sync = true;
        for (int i = next++; i < events; i = next++) {
          const auto t0 = Clock::now();
          rocksdb::WriteBatch batch;
          PutEvent(*store, batch, i);
          if (!store->db()->Write(sync, &batch).ok()) std::abort();
          latencies[i] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        }
      });
    }
    for (auto& t : threads) t.join();
    result = Summarize(latencies, std::chrono::duration<double>(Clock::now() - start).count());
    result.cpu_us_per_event = (ProcessCpuSeconds() - cpu_before) * 1e6 / events;
  }
  std::filesystem::remove_all(dir);
  return result;
}

// `stores` stores, each with one thread applying the events' batches unsynced and one syncing
// its WAL over and over (the broker's group commit without the broker): an event is durable once
// a sync that began after its write has ended. Groups grow as large as the writer gets ahead, so
// this is what the disk and RocksDB's write path alone can make durable on this machine.
Result UnsyncedWriterAndSyncer(int events, int stores) {
  const auto dir = MakeTempDir();
  Result result;
  {
    auto opened = OpenStores(dir, stores);
    std::vector<double> latencies(events);
    std::vector<Clock::time_point> written_at(events);
    const double cpu_before = ProcessCpuSeconds();
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int s = 0; s < stores; ++s) {
      // Store s takes events s, s + stores, s + 2 * stores...
      auto written = std::make_shared<std::atomic<int>>(0);  // of the store's events, in order
      const int share = (events - s + stores - 1) / stores;
      threads.emplace_back([&, s, written, store = opened[s].get()] {
        for (int k = 0; k < share; ++k) {
          const int i = s + k * stores;
          written_at[i] = Clock::now();
          rocksdb::WriteBatch batch;
          PutEvent(*store, batch, i);
          if (!store->Write(batch).ok()) std::abort();
          written->store(k + 1, std::memory_order_release);
        }
      });
      threads.emplace_back([&, s, written, share, store = opened[s].get()] {
        for (int durable = 0; durable < share;) {
          const int covered = written->load(std::memory_order_acquire);
          if (covered == durable) {
            std::this_thread::yield();  // the writer is about to write more
            continue;
          }
          if (!store->SyncWal().ok()) std::abort();
          const auto now = Clock::now();
          for (int k = durable; k < covered; ++k) {
            const int i = s + k * stores;
            latencies[i] = std::chrono::duration<double, std::micro>(now - written_at[i]).count();
          }
          durable = covered;
        }
      });
    }
    for (auto& t : threads) t.join();
    result = Summarize(latencies, std::chrono::duration<double>(Clock::now() - start).count());
    result.cpu_us_per_event = (ProcessCpuSeconds() - cpu_before) * 1e6 / events;
  }
  std::filesystem::remove_all(dir);
  return result;
}

// The threads' CPU time per event in groups: the front, each partition's core and sync threads,
// the client, ZeroMQ's I/O, RocksDB's background work, and the rest of the process's time.
std::vector<std::pair<std::string, double>> ByThread(const std::map<std::string, double>& used,
                                                     const std::vector<int>& partitions,
                                                     double process_seconds, int events) {
  std::map<std::string, double> groups;
  for (const auto& [name, seconds] : used) {
    std::string group = "rest";
    if (name == "ingest-front") group = "front";
    if (name == "bench-client" || name == "reliable-client") group = "client";
    if (absl::StartsWith(name, "ZMQbg/IO")) group = "zmq io";
    if (absl::StartsWith(name, "rocksdb:")) group = "rocksdb";
    for (int p : partitions) {
      if (name == absl::StrCat("core-p", p)) group = absl::StrCat("p", p, " core");
      if (name == absl::StrCat("sync-p", p)) group = absl::StrCat("p", p, " sync");
    }
    if (group != "rest") groups[group] += seconds;
  }
  std::vector<std::string> order = {"front"};
  for (int p : partitions) {
    order.push_back(absl::StrCat("p", p, " core"));
    order.push_back(absl::StrCat("p", p, " sync"));
  }
  order.insert(order.end(), {"client", "zmq io", "rocksdb"});
  std::vector<std::pair<std::string, double>> report;
  double named = 0;
  for (const auto& group : order) {
    named += groups[group];
    report.emplace_back(group, groups[group] * 1e6 / events);
  }
  // The process's time, measured finer than the threads' ticks, less theirs: threads not named
  // above (the connection guard, short-lived ones), and the ticks' rounding.
  report.emplace_back("rest", (process_seconds - named) * 1e6 / events);
  return report;
}

// `events` events published to JetStream as one publisher pipelines them (at most 4 000 unacked),
// into a stream of `replicas` copies; each done once JetStream acknowledged it (the quorum holds
// it). The same bytes as the broker's events.
Result RawJetStream(int events, const omni::testing::NatsServers& servers, int replicas) {
  auto js = omni::cluster::JetStream::Connect({.servers = servers.Urls()});
  if (!js.ok()) {
    std::fprintf(stderr, "%s\n", js.status().ToString().c_str());
    std::exit(1);
  }
  static int run = 0;
  const std::string stream = absl::StrCat("RAW", ++run);
  const std::string subject = stream + ".events";
  const char* subjects[] = {subject.c_str()};
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = stream.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Replicas = replicas;
  jsErrCode code = jsErrCode(0);
  if (js_AddStream(nullptr, (*js)->context(), &config, nullptr, &code) != NATS_OK) std::abort();

  struct Acks {
    std::vector<Clock::time_point> sent;
    std::vector<double> latencies;
    std::atomic<int> acked{0};
  } acks{std::vector<Clock::time_point>(events), std::vector<double>(events)};
  jsOptions options;
  jsOptions_Init(&options);
  options.PublishAsync.MaxPending = 4000;
  options.PublishAsync.AckHandler = [](jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae,
                                       void* closure) {
    auto& acks = *static_cast<Acks*>(closure);
    if (pa == nullptr || pae != nullptr) std::abort();  // the baseline loses nothing either
    const char* index = nullptr;
    natsMsgHeader_Get(msg, "Bench-Index", &index);
    const int i = std::atoi(index);
    acks.latencies[i] =
        std::chrono::duration<double, std::micro>(Clock::now() - acks.sent[i]).count();
    ++acks.acked;
    natsMsg_Destroy(msg);
  };
  options.PublishAsync.AckHandlerClosure = &acks;
  jsCtx* publisher = nullptr;
  if (natsConnection_JetStream(&publisher, (*js)->connection(), &options) != NATS_OK) std::abort();

  const double cpu_before = ProcessCpuSeconds();
  const auto start = Clock::now();
  for (int i = 0; i < events; ++i) {
    const std::string data = MakeEvent(i, 1000).SerializeAsString();
    natsMsg* msg = nullptr;
    natsMsg_Create(&msg, subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
    natsMsgHeader_Set(msg, "Bench-Index", std::to_string(i).c_str());
    acks.sent[i] = Clock::now();
    if (js_PublishMsgAsync(publisher, &msg, nullptr) != NATS_OK) std::abort();
  }
  jsPubOptions wait;
  jsPubOptions_Init(&wait);
  wait.MaxWait = 60000;
  if (js_PublishAsyncComplete(publisher, &wait) != NATS_OK || acks.acked != events) std::abort();
  Result result =
      Summarize(acks.latencies, std::chrono::duration<double>(Clock::now() - start).count());
  result.cpu_us_per_event = (ProcessCpuSeconds() - cpu_before) * 1e6 / events;
  jsCtx_Destroy(publisher);
  return result;
}

// The broker's partitions alone on their WAL, or (with `cluster` servers) in a cluster on them.
Result Broker(int events, const std::string& transport, int partition_count,
              const omni::testing::NatsServers* cluster = nullptr) {
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
    if (cluster != nullptr) {
      static int run = 0;
      options.cluster.servers = cluster->Urls();
      options.cluster.broker_id = "bench";
      options.cluster.replicas = cluster->size();
      options.cluster.prefix = absl::StrCat("BENCH", ++run);  // a run's own logs
    }
    std::vector<std::string> tenants;
    std::vector<int> indices;
    for (int p = 0; p < partition_count; ++p) {
      tenants.push_back("t" + std::to_string(p));
      indices.push_back(p);
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
    const auto threads_before = omni::bench::ReadThreadCpu();
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
    const double process_seconds = ProcessCpuSeconds() - cpu_before;
    result.cpu_us_per_event = process_seconds * 1e6 / events;
    result.cpu_us_by_thread =
        ByThread(omni::bench::CpuByName(threads_before, omni::bench::ReadThreadCpu()), indices,
                 process_seconds, events);
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
  // Threads started from here inherit the name; the broker's and the SDK's name themselves.
  omni::NameThisThread("bench-client");
  int events = 20000;
  int writers = 64;
  std::string transport = "inproc";
  std::vector<int> partition_counts = {1, 2, 4};
  int cluster_servers = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--events")) events = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--writers")) writers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--transport")) transport = argv[i + 1];
    else if (!std::strcmp(argv[i], "--cluster")) cluster_servers = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--partitions")) {
      partition_counts.clear();
      for (const auto& n : absl::StrSplit(argv[i + 1], ',')) {
        int count;
        if (!absl::SimpleAtoi(n, &count) || count < 1) return 2;
        partition_counts.push_back(count);
      }
    }
  }
  if (cluster_servers != 0 && cluster_servers != 1 && cluster_servers != 3) return 2;
  std::printf("durable ingest, %d events, 1000 conversations, %u cores\n", events,
              std::thread::hardware_concurrency());
  const auto nats_dir = MakeTempDir();
  std::unique_ptr<omni::testing::NatsServers> nats;
  if (cluster_servers > 0) {
    std::fflush(stdout);  // not printed again by the servers' forks
    nats = std::make_unique<omni::testing::NatsServers>(nats_dir, cluster_servers);
    if (!nats->WaitReady()) {
      std::fprintf(stderr, "the NATS servers did not become ready\n");
      return 1;
    }
    std::printf("  with %d NATS server(s) with JetStream on this machine's cores too\n",
                cluster_servers);
  }
  auto print_baseline = [&](const std::string& what, const Result& r) {
    std::printf("  %-58s %9.0f events/s  p50 %7.0f us  p99 %7.0f us  cpu %5.1f us/event\n",
                what.c_str(), r.events_per_s, r.p50_us, r.p99_us, r.cpu_us_per_event);
  };
  // By store count; each broker run right after the baselines it is compared with.
  std::map<int, Result> raw, ceiling;
  double one_partition = 0;
  for (int count : partition_counts) {
    if (!raw.contains(1)) {
      raw[1] = RawRocksDb(events, 1, writers);
      print_baseline(
          absl::StrCat("raw RocksDB synced group commit, 1 store x ", writers, " writers:"),
          raw[1]);
    }
    if (!raw.contains(count)) {
      raw[count] = RawRocksDb(events, count, writers);
      print_baseline(absl::StrCat("raw RocksDB synced group commit, ", count, " stores x ", writers,
                                  " writers:"),
                     raw[count]);
    }
    ceiling[count] = UnsyncedWriterAndSyncer(events, count);
    print_baseline(absl::StrCat("RocksDB, 1 unsynced writer + 1 syncer per store, ", count,
                                count == 1 ? " store:" : " stores:"),
                   ceiling[count]);
    const Result broker = Broker(events, transport, count);
    if (one_partition == 0) one_partition = broker.events_per_s;
    std::printf(
        "  broker over %-6s, %2d partition(s) (ack after sync):     %9.0f events/s  p50 %7.0f us  "
        "p99 %7.0f us  cpu %5.1f us/event\n"
        "      ratio to raw with 1 store %.2f, with %d %.2f, to the writer + syncer %.2f; to the "
        "first run %.2f\n",
        transport.c_str(), count, broker.events_per_s, broker.p50_us, broker.p99_us,
        broker.cpu_us_per_event, broker.events_per_s / raw[1].events_per_s, count,
        broker.events_per_s / raw[count].events_per_s,
        broker.events_per_s / ceiling[count].events_per_s, broker.events_per_s / one_partition);
    std::string threads;
    for (const auto& [group, us] : broker.cpu_us_by_thread) {
      absl::StrAppend(&threads, threads.empty() ? "" : ", ", group, " ",
                      absl::StrFormat("%.1f", us));
    }
    std::printf("      cpu us/event by thread: %s\n", threads.c_str());
    if (nats) {
      const Result raw_js = RawJetStream(events, *nats, cluster_servers);
      print_baseline(absl::StrCat("raw JetStream publish, ", cluster_servers,
                                  " replica(s), 1 pipelined publisher:"),
                     raw_js);
      const Result clustered = Broker(events, transport, count, nats.get());
      std::printf(
          "  broker in a cluster, %2d partition(s) (ack after quorum):  %9.0f events/s  p50 %7.0f "
          "us  p99 %7.0f us  cpu %5.1f us/event\n"
          "      ratio to raw JetStream %.2f, to the broker alone %.2f\n",
          count, clustered.events_per_s, clustered.p50_us, clustered.p99_us,
          clustered.cpu_us_per_event, clustered.events_per_s / raw_js.events_per_s,
          clustered.events_per_s / broker.events_per_s);
    }
  }
  nats.reset();
  std::filesystem::remove_all(nats_dir);
  return 0;
}
