// How big a tenant one partition carries. One real partition (its store, BrokerCore, routing
// engine and group commit) behind the ingest front, fed through the connector SDK as in
// production, with a roster of agents who have skills and languages:
//   waiting:  N conversations published while no agent is logged in, so all of them wait. Prints
//             the heap they hold (glibc's in-use bytes, mallinfo2 uordblks + hblkhd) per waiting
//             conversation, apart from what RocksDB's memtables, table readers and block cache
//             grew by meanwhile (they are bounded, whatever N), and the process's RSS growth.
//             Then agents log in one at a time and each says it is available: the time from
//             that request to the agent's first Offer is routing among the N waiting seen from
//             outside the core (the hop to the core thread, the decisions filling the agent's 3
//             chats, storing their memos, the first offer built with two store reads), with the
//             login's own time beside it.
//   routed:   every agent logged in and available (capacity 3 chats, no ramp-up, no wrap-up); each
//             accepts its offers at once and closes the conversation as soon as it is accepted.
//             M conversations are published and the bench waits for the last to be closed:
//             conversations/s through ingest, routing, offer, accept and close, each step's
//             write made durable before it is answered. Once per partition count P: P tenants,
//             one per partition, share the agents and the conversations, and the result is
//             reported as the ratio to the first count of the same run, with each partition's
//             core thread's CPU time per conversation (how far more cores would carry it).
//
//   omni-capacity-bench [--waiting 100000,1000000] [--agents 1000,10000] [--routed 20000]
//                       [--logins 200] [--partitions 1,2,4]
#include <malloc.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <future>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/thread_name.h"
#include "base/time_util.h"
#include "broker/core/agent_session.h"
#include "broker/ingest/ingest_front.h"
#include "broker/partitions/partitions.h"
#include "bench/thread_cpu.h"
#include "connectors/sdk/reliable_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;

const std::vector<std::string> kLanguages = {"en", "de", "fr", "es"};
constexpr int kSkills = 10;

double Micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// Bytes of the heap in use: what malloc handed out and was not freed (not what it keeps free).
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

size_t RssBytes() {
  long pages = 0, resident = 0;
  if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(statm);
  }
  return static_cast<size_t>(resident) * sysconf(_SC_PAGESIZE);
}

// What RocksDB holds in memory: memtables, table readers, the block cache.
size_t RocksDbMemory(rocksdb::DB* db) {
  size_t total = 0;
  for (const char* property :
       {"rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-table-readers-mem"}) {
    uint64_t value = 0;
    if (db->GetAggregatedIntProperty(property, &value)) total += value;
  }
  uint64_t cache = 0;
  if (db->GetIntProperty("rocksdb.block-cache-usage", &cache)) total += cache;
  return total;
}

std::filesystem::path MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "omni-bench-XXXXXX").string();
  return mkdtemp(pattern.data());
}

std::string AgentId(int i) { return absl::StrCat("agent-", i); }

// Agents with 3 of the 10 skills (proficiency 1-10) and 2 of the 4 languages, 3 chats at once.
std::vector<omnibroker::v1::Agent> Roster(int agents) {
  std::mt19937 random(7);
  std::vector<omnibroker::v1::Agent> roster;
  for (int i = 0; i < agents; ++i) {
    omnibroker::v1::Agent agent;
    agent.set_id(AgentId(i));
    agent.set_display_name(absl::StrCat("Agent ", i));
    agent.add_teams(absl::StrCat("team-", i % 50));
    agent.add_roles("agent");
    const int first = random() % kSkills;
    for (int k = 0; k < 3; ++k) {
      auto* skill = agent.add_skills();
      skill->set_name(absl::StrCat("skill-", (first + k * 3) % kSkills));
      skill->set_proficiency(1 + random() % 10);
    }
    const int language = random() % kLanguages.size();
    agent.add_languages(kLanguages[language]);
    agent.add_languages(kLanguages[(language + 1) % kLanguages.size()]);
    auto* capacity = agent.add_capacity();
    capacity->set_channel(omnibroker::v1::CHANNEL_CHAT);
    capacity->set_max_concurrent(3);
    roster.push_back(std::move(agent));
  }
  return roster;
}

// A customer's first message: a new conversation asking one skill (at least 1 or 5) in a language.
omnibroker::v1::Event NewConversation(int i, const std::string& tenant) {
  omnibroker::v1::Event e;
  e.set_id(absl::StrCat("capacity:", i));
  e.set_tenant(tenant);
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  e.set_provider("webchat");
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  const std::string visitor = absl::StrCat("visitor-", i);
  e.mutable_sender()->set_provider("webchat");
  e.mutable_sender()->set_handle(visitor);
  e.set_thread_key(visitor);
  e.set_language(kLanguages[i % kLanguages.size()]);
  auto* skill = e.mutable_routing()->add_skills();
  skill->set_skill(absl::StrCat("skill-", (i / 4) % kSkills));
  skill->set_min_proficiency(i % 3 == 0 ? 5 : 1);
  *e.mutable_occurred_at() = omni::ToProto(std::chrono::system_clock::now());
  e.mutable_content()->set_text(absl::StrCat("Hello, where is my order ", i, "?"));
  return e;
}

// An agent console without gRPC: what the core sends it arrives here (on the core thread).
class BenchConsole : public omni::core::AgentSession {
 public:
  // `answer` runs for each update, on the core thread: it must only hand requests back (Post).
  explicit BenchConsole(std::function<void(const AgentUpdate&)> answer)
      : answer_(std::move(answer)) {}
  void Send(AgentUpdate update) override { answer_(update); }

 private:
  const std::function<void(const AgentUpdate&)> answer_;
};

AgentRequest Login(const std::string& agent_id) {
  AgentRequest request;
  request.set_request_id("login");
  request.mutable_login()->set_agent_id(agent_id);
  return request;
}

AgentRequest Available() {
  AgentRequest request;
  request.set_request_id("available");
  request.mutable_set_presence()->set_presence(omnibroker::v1::PRESENCE_AVAILABLE);
  return request;
}

std::string TenantOf(int partition) { return absl::StrCat("t", partition); }

// `partitions` partitions behind an ingest front, tenant t<p> in partition p with `roster`, and
// a connector publishing to them.
class BenchBroker {
 public:
  BenchBroker(int partitions, const std::vector<omnibroker::v1::Agent>& roster)
      : dir_(MakeTempDir()) {
    omni::partitions::PartitionsOptions options{.data_dir = dir_};
    options.map.count = partitions;
    auto policy = omni::routing::DefaultRoutingPolicy();
    policy.ramp_step = {};  // an agent takes their full capacity at once
    // No step relaxes while the bench runs: a million conversations relaxing a minute after they
    // arrived would be the core's work between the logins, and counted in them.
    policy.default_relax_after = std::chrono::hours(1);
    for (int p = 0; p < partitions; ++p) {
      options.map.assigned[TenantOf(p)] = p;
      options.tenants[TenantOf(p)] = policy;
    }
    auto opened = omni::partitions::Partitions::Open(std::move(options), front_,
                                                     omni::SystemClock::Get(), metrics_);
    if (!opened.ok() || !(*opened)->Start().ok() || !front_.Start(**opened).ok()) std::abort();
    partitions_ = *std::move(opened);
    for (int p = 0; p < partitions; ++p) {
      cores_.push_back(partitions_->ForTenant(TenantOf(p)));
      OnCore(p, [&] {
        if (!cores_[p]->ApplyConfiguredRoster(TenantOf(p), roster).ok()) std::abort();
      });
    }
    if (!client_.Start().ok()) std::abort();
  }
  ~BenchBroker() {
    client_.Stop();
    front_.StopReading();
    partitions_->Stop();
    front_.Stop();
    partitions_.reset();
    std::filesystem::remove_all(dir_);
  }

  int partitions() const { return static_cast<int>(cores_.size()); }
  omni::core::BrokerCore& core(int partition) { return *cores_[partition]; }
  rocksdb::DB* db() { return partitions_->opened()[0].store->db(); }

  // Runs `work` on partition `partition`'s core thread and waits for it.
  void OnCore(int partition, std::function<void()> work) {
    std::promise<void> done;
    cores_[partition]->Post([&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Publishes `count` new conversations, conversation i to tenant t<i % partitions>, at most
  // `window` unacked at a time (the connector SDK bounds the memory it holds), and waits for
  // every ack.
  void Publish(int count, int window = 20'000) {
    std::mutex mu;
    std::condition_variable acked_one;
    int acked = 0;
    for (int i = 0; i < count; ++i) {
      {
        std::unique_lock lock(mu);
        acked_one.wait(lock, [&] { return i - acked < window; });
      }
      auto s = client_.Publish(
          NewConversation(i, TenantOf(i % partitions())),
          [&](const omnibroker::v1::IngestAck& ack) {
            if (ack.status() != omnibroker::v1::INGEST_STATUS_ACCEPTED) {
              std::fprintf(stderr, "%s not accepted: %s\n", ack.event_id().c_str(),
                           ack.reason().c_str());
              std::abort();
            }
            std::lock_guard lock(mu);
            ++acked;
            acked_one.notify_all();
          });
      if (!s.ok()) std::abort();
    }
    std::unique_lock lock(mu);
    acked_one.wait(lock, [&] { return acked == count; });
  }

 private:
  const std::filesystem::path dir_;
  zmq::context_t zmq_;
  omni::ops::BrokerMetrics metrics_;
  omni::ingest::IngestFront front_{zmq_, metrics_, {.endpoints = {"inproc://capacity"}}};
  std::unique_ptr<omni::partitions::Partitions> partitions_;
  std::vector<omni::core::BrokerCore*> cores_;  // by partition
  omni::connectors::ReliableClient client_{
      zmq_,
      {.broker_endpoint = "inproc://capacity", .connector_name = "capacity"},
      [](omnibroker::v1::Delivery) {}};
};

double Percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * (values.size() - 1))];
}

void Waiting(int waiting, int agents, int logins) {
  BenchBroker broker(1, Roster(agents));
  const std::string tenant = TenantOf(0);
  const size_t heap_before = HeapInUse(), rss_before = RssBytes();
  const size_t rocks_before = RocksDbMemory(broker.db());
  const auto start = Clock::now();
  broker.Publish(waiting);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const size_t heap_after = HeapInUse(), rss_after = RssBytes();
  const size_t rocks_after = RocksDbMemory(broker.db());
  const double heap_growth = static_cast<double>(heap_after) - heap_before;
  const double rocks_growth = static_cast<double>(rocks_after) - rocks_before;
  std::printf(
      "%8d waiting, %6d agents: published in %.1f s (%.0f/s); heap +%.0f MiB, of which "
      "RocksDB %+.0f MiB; per waiting conversation %.0f bytes (heap less RocksDB), RSS "
      "+%.0f MiB\n",
      waiting, agents, seconds, waiting / seconds, heap_growth / (1 << 20),
      rocks_growth / (1 << 20), (heap_growth - rocks_growth) / waiting,
      (static_cast<double>(rss_after) - rss_before) / (1 << 20));

  // Agents log in one after another; each, once available, is offered the most urgent
  // conversation it may serve.
  std::vector<double> login_us, offer_us;
  for (int i = 0; i < std::min(logins, agents); ++i) {
    // Shared with the console: the core may still send it updates (its offer withdrawn) after
    // this turn of the loop.
    struct Seen {
      std::mutex mu;
      std::condition_variable changed;
      bool logged_in = false, offered = false;
    };
    auto seen = std::make_shared<Seen>();
    auto console = std::make_shared<BenchConsole>([seen](const AgentUpdate& update) {
      std::lock_guard lock(seen->mu);
      if (update.has_result() && update.result().request_id() == "login") seen->logged_in = true;
      if (update.has_offer()) seen->offered = true;
      seen->changed.notify_all();
    });
    const auto t0 = Clock::now();
    broker.core(0).HandleAgentRequest(console, tenant, Login(AgentId(i)));
    {
      std::unique_lock lock(seen->mu);
      seen->changed.wait(lock, [&] { return seen->logged_in; });
    }
    const auto t1 = Clock::now();
    broker.core(0).HandleAgentRequest(console, tenant, Available());
    {
      std::unique_lock lock(seen->mu);
      seen->changed.wait(lock, [&] { return seen->offered; });
    }
    login_us.push_back(Micros(t1 - t0));
    offer_us.push_back(Micros(Clock::now() - t1));
    broker.core(0).Disconnect(console, false);
  }
  std::printf(
      "    %zu agents logged in one at a time: login p50 %.0f us, p99 %.0f us; "
      "available to offer p50 %.0f us, p99 %.0f us\n",
      login_us.size(), Percentile(login_us, 0.5), Percentile(login_us, 0.99),
      Percentile(offer_us, 0.5), Percentile(offer_us, 0.99));
}

struct RoutedResult {
  double per_second = 0;
  std::vector<double> core_us;  // each partition's core thread, CPU µs per conversation it routed
};

// `conversations` routed among `agents`, both split evenly among `partitions` tenants, one per
// partition (each tenant has agents/partitions of them).
RoutedResult Routed(int conversations, int agents, int partitions) {
  const int per_tenant = agents / partitions;
  BenchBroker broker(partitions, Roster(per_tenant));
  std::mutex mu;
  std::condition_variable changed;
  int ready = 0, closed = 0;
  // By partition, then agent.
  std::vector<std::vector<std::shared_ptr<BenchConsole>>> consoles(partitions);
  for (int p = 0; p < partitions; ++p) {
    auto* core = &broker.core(p);
    const std::string tenant = TenantOf(p);
    for (int i = 0; i < per_tenant; ++i) {
      // Accepts every offer at once, and closes the conversation once it is assigned.
      consoles[p].push_back(std::make_shared<BenchConsole>([&, core, tenant, p, i](
                                                                const AgentUpdate& update) {
        const std::shared_ptr<BenchConsole>& self = consoles[p][i];
        if (update.has_offer()) {
          AgentRequest accept;
          accept.set_request_id(absl::StrCat("accept/", update.offer().conversation().id()));
          accept.mutable_accept()->set_offer_id(update.offer().offer_id());
          return core->HandleAgentRequest(self, tenant, std::move(accept));
        }
        if (!update.has_result()) return;
        const auto& result = update.result();
        if (result.code() != 0) {
          std::fprintf(stderr, "%s failed: %s\n", result.request_id().c_str(),
                       result.message().c_str());
          std::abort();
        }
        const std::string& id = result.request_id();
        if (absl::StartsWith(id, "accept/")) {
          AgentRequest close;
          close.set_request_id(absl::StrCat("close/", id.substr(7)));
          close.mutable_close()->set_conversation_id(id.substr(7));
          close.mutable_close()->set_disposition("resolved");
          return core->HandleAgentRequest(self, tenant, std::move(close));
        }
        std::lock_guard lock(mu);
        if (id == "available") ++ready;
        if (absl::StartsWith(id, "close/")) ++closed;
        changed.notify_all();
      }));
    }
  }
  for (int p = 0; p < partitions; ++p) {
    for (int i = 0; i < per_tenant; ++i) {
      broker.core(p).HandleAgentRequest(consoles[p][i], TenantOf(p), Login(AgentId(i)));
      broker.core(p).HandleAgentRequest(consoles[p][i], TenantOf(p), Available());
    }
  }
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return ready == per_tenant * partitions; });
  }
  const auto threads_before = omni::bench::ReadThreadCpu();
  const auto start = Clock::now();
  broker.Publish(conversations, 4096);
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return closed == conversations; });
  }
  RoutedResult result;
  result.per_second =
      conversations / std::chrono::duration<double>(Clock::now() - start).count();
  const auto used = omni::bench::CpuByName(threads_before, omni::bench::ReadThreadCpu());
  for (int p = 0; p < partitions; ++p) {
    auto core = used.find(absl::StrCat("core-p", p));
    const int routed_here = conversations / partitions + (p < conversations % partitions ? 1 : 0);
    result.core_us.push_back(core == used.end() ? 0 : core->second * 1e6 / routed_here);
  }
  for (int p = 0; p < partitions; ++p) {
    for (auto& console : consoles[p]) broker.core(p).Disconnect(console, false);
    // The core may still hold the consoles' last updates' tasks: let it finish before they go.
    broker.OnCore(p, [] {});
  }
  return result;
}

std::vector<int> Counts(const char* text) {
  std::vector<int> counts;
  for (const auto& n : absl::StrSplit(text, ',')) {
    int count;
    if (!absl::SimpleAtoi(n, &count) || count < 1) std::exit(2);
    counts.push_back(count);
  }
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  omni::NameThisThread("bench-client");
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it is measured, also into a file
  std::vector<int> waiting = {100'000, 1'000'000}, agents = {1'000, 10'000};
  std::vector<int> partitions = {1, 2, 4};
  int routed = 20'000, logins = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--waiting"))
      waiting = Counts(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--agents"))
      agents = Counts(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--routed"))
      routed = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--logins"))
      logins = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--partitions"))
      partitions = Counts(argv[i + 1]);
  }
  for (int a : agents) {
    for (int p : partitions) {
      // Too few agents per tenant leave some skill and language without an agent who may serve
      // it, and its conversations would wait for ever.
      if (a / p < 100) {
        std::fprintf(stderr, "--agents %d: at least 100 per partition, for %d partitions\n", a, p);
        return 2;
      }
    }
  }
  std::printf("a partition's capacity, %u cores\n", std::thread::hardware_concurrency());
  for (int n : waiting) {
    for (int a : agents) Waiting(n, a, logins);
  }
  for (int a : agents) {
    double first = 0;
    for (int p : partitions) {
      const RoutedResult result = Routed(routed, a, p);
      if (first == 0) first = result.per_second;
      std::printf(
          "%8d conversations routed among %d agents in %d partition(s) (ingest, offer, accept, "
          "close): %.0f conversations/s, %.2f x %d partition(s); core CPU per conversation:",
          routed, a, p, result.per_second, result.per_second / first, partitions[0]);
      for (size_t i = 0; i < result.core_us.size(); ++i) {
        std::printf(" p%zu %.0f us", i, result.core_us[i]);
      }
      std::printf("\n");
    }
  }
  return 0;
}
