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
//             write made durable before it is answered.
//
//   omni-capacity-bench [--waiting 100000,1000000] [--agents 1000,10000] [--routed 20000]
//                       [--logins 200]
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
#include "connectors/sdk/reliable_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using omnibroker::v1::AgentRequest;
using omnibroker::v1::AgentUpdate;

constexpr char kTenant[] = "acme";
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
omnibroker::v1::Event NewConversation(int i) {
  omnibroker::v1::Event e;
  e.set_id(absl::StrCat("capacity:", i));
  e.set_tenant(kTenant);
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

// One partition serving kTenant behind an ingest front, and a connector publishing to it.
class OnePartition {
 public:
  explicit OnePartition(const std::vector<omnibroker::v1::Agent>& roster) : dir_(MakeTempDir()) {
    omni::partitions::PartitionsOptions options{.data_dir = dir_};
    auto policy = omni::routing::DefaultRoutingPolicy();
    policy.ramp_step = {};  // an agent takes their full capacity at once
    // No step relaxes while the bench runs: a million conversations relaxing a minute after they
    // arrived would be the core's work between the logins, and counted in them.
    policy.default_relax_after = std::chrono::hours(1);
    options.tenants[kTenant] = policy;
    auto partitions = omni::partitions::Partitions::Open(std::move(options), front_,
                                                         omni::SystemClock::Get(), metrics_);
    if (!partitions.ok() || !(*partitions)->Start().ok() || !front_.Start(**partitions).ok()) {
      std::abort();
    }
    partitions_ = *std::move(partitions);
    core_ = partitions_->ForTenant(kTenant);
    OnCore([&] {
      if (!core_->ApplyConfiguredRoster(kTenant, roster).ok()) std::abort();
    });
    if (!client_.Start().ok()) std::abort();
  }
  ~OnePartition() {
    client_.Stop();
    front_.StopReading();
    partitions_->Stop();
    front_.Stop();
    partitions_.reset();
    std::filesystem::remove_all(dir_);
  }

  omni::core::BrokerCore& core() { return *core_; }
  rocksdb::DB* db() { return partitions_->opened()[0].store->db(); }

  // Runs `work` on the core thread and waits for it.
  void OnCore(std::function<void()> work) {
    std::promise<void> done;
    core_->Post([&] {
      work();
      done.set_value();
    });
    done.get_future().wait();
  }

  // Publishes `count` new conversations, at most `window` unacked at a time (the connector SDK
  // bounds the memory it holds), and waits for every ack.
  void Publish(int count, int window = 20'000) {
    std::mutex mu;
    std::condition_variable acked_one;
    int acked = 0;
    for (int i = 0; i < count; ++i) {
      {
        std::unique_lock lock(mu);
        acked_one.wait(lock, [&] { return i - acked < window; });
      }
      auto s = client_.Publish(NewConversation(i), [&](const omnibroker::v1::IngestAck& ack) {
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
  omni::core::BrokerCore* core_ = nullptr;
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
  OnePartition broker(Roster(agents));
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
    broker.core().HandleAgentRequest(console, kTenant, Login(AgentId(i)));
    {
      std::unique_lock lock(seen->mu);
      seen->changed.wait(lock, [&] { return seen->logged_in; });
    }
    const auto t1 = Clock::now();
    broker.core().HandleAgentRequest(console, kTenant, Available());
    {
      std::unique_lock lock(seen->mu);
      seen->changed.wait(lock, [&] { return seen->offered; });
    }
    login_us.push_back(Micros(t1 - t0));
    offer_us.push_back(Micros(Clock::now() - t1));
    broker.core().Disconnect(console, false);
  }
  std::printf(
      "    %zu agents logged in one at a time: login p50 %.0f us, p99 %.0f us; "
      "available to offer p50 %.0f us, p99 %.0f us\n",
      login_us.size(), Percentile(login_us, 0.5), Percentile(login_us, 0.99),
      Percentile(offer_us, 0.5), Percentile(offer_us, 0.99));
}

void Routed(int conversations, int agents) {
  OnePartition broker(Roster(agents));
  std::mutex mu;
  std::condition_variable changed;
  int ready = 0, closed = 0;
  std::vector<std::shared_ptr<BenchConsole>> consoles;
  for (int i = 0; i < agents; ++i) {
    auto* core = &broker.core();
    // Accepts every offer at once, and closes the conversation once it is assigned.
    consoles.push_back(std::make_shared<BenchConsole>([&, core, i](const AgentUpdate& update) {
      const std::shared_ptr<BenchConsole>& self = consoles[i];
      if (update.has_offer()) {
        AgentRequest accept;
        accept.set_request_id(absl::StrCat("accept/", update.offer().conversation().id()));
        accept.mutable_accept()->set_offer_id(update.offer().offer_id());
        return core->HandleAgentRequest(self, kTenant, std::move(accept));
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
        return core->HandleAgentRequest(self, kTenant, std::move(close));
      }
      std::lock_guard lock(mu);
      if (id == "available") ++ready;
      if (absl::StartsWith(id, "close/")) ++closed;
      changed.notify_all();
    }));
  }
  for (int i = 0; i < agents; ++i) {
    broker.core().HandleAgentRequest(consoles[i], kTenant, Login(AgentId(i)));
    broker.core().HandleAgentRequest(consoles[i], kTenant, Available());
  }
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return ready == agents; });
  }
  const auto start = Clock::now();
  broker.Publish(conversations, 4096);
  {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return closed == conversations; });
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "%8d conversations routed among %d agents (ingest, offer, accept, close): %.1f s, "
      "%.0f conversations/s\n",
      conversations, agents, seconds, conversations / seconds);
  for (auto& console : consoles) broker.core().Disconnect(console, false);
  // The core may still hold the consoles' last updates' tasks: let it finish before they go.
  broker.OnCore([] {});
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
  }
  std::printf("one partition's capacity, %u cores\n", std::thread::hardware_concurrency());
  for (int n : waiting) {
    for (int a : agents) Waiting(n, a, logins);
  }
  for (int a : agents) Routed(routed, a);
  return 0;
}
