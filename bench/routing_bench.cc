// Routing decision cost at 1k / 10k / 100k agents with 100k waiting conversations, next to a
// naive linear scan over the same floor in the same run (Google Benchmark).
//
//   arrival: a conversation arrives while agents have room; the engine finds the best agent
//            (skill fit, then least effort) and makes the offer.
//   freed:   every agent is full and 100k conversations wait; an agent closes one and gets the
//            most urgent waiting conversation it may serve as an offer (timed: the close, the
//            decision and the offer; untimed: the accept, and a new conversation joining the
//            queue).
// Each benchmark reports mean_us and p99_us per decision, measured per iteration.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "base/ids.h"
#include "bench/latency_counters.h"
#include "broker/routing/routing_engine.h"

namespace omni::routing {
namespace {

constexpr int kWaiting = 100'000;
const char* kLanguages[] = {"en", "ru", "de", "fr"};
constexpr int kSkills = 10;

struct Floor {
  std::vector<omnibroker::v1::Agent> agents;
  std::mt19937_64 rng{42};

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }

  void MakeAgents(int count, int chat_capacity) {
    for (int i = 0; i < count; ++i) {
      omnibroker::v1::Agent a;
      a.set_id("agent" + std::to_string(i));
      const int l = Pick(4);
      a.add_languages(kLanguages[l]);
      a.add_languages(kLanguages[(l + 1 + Pick(3)) % 4]);
      const int s = Pick(kSkills);
      for (int k = 0; k < 3; ++k) {
        auto* skill = a.add_skills();
        skill->set_name("skill" + std::to_string((s + k) % kSkills));
        skill->set_proficiency(1 + Pick(10));
      }
      auto* c = a.add_capacity();
      c->set_channel(omnibroker::v1::CHANNEL_CHAT);
      c->set_max_concurrent(chat_capacity);
      agents.push_back(std::move(a));
    }
  }

  WorkItem Conversation(int n, TimePoint now, const char* language = nullptr) {
    omnibroker::v1::RoutingStep step;
    auto* need = step.add_skills();
    need->set_skill("skill" + std::to_string(Pick(kSkills)));
    need->set_min_proficiency(1 + 4 * Pick(2));
    // Ids like the broker's own (NewId: "conv_" and 32 hex digits), too long for a short string.
    std::string id = "conv_";
    AppendHex64(id, rng());
    AppendHex64(id, static_cast<uint64_t>(n));
    return WorkItem{.conversation_id = std::move(id),
                    .channel = omnibroker::v1::CHANNEL_CHAT,
                    .tier = static_cast<omnibroker::v1::Tier>(1 + Pick(3)),
                    .language = language != nullptr ? language : kLanguages[Pick(4)],
                    .steps = {step},
                    .queued_at = now};
  }
};

RoutingPolicy BenchPolicy() {
  RoutingPolicy policy = DefaultRoutingPolicy();
  policy.ramp_step = Duration::zero();
  policy.offer_timeout = std::chrono::hours(24);
  policy.reply_timeout = std::chrono::hours(24);
  return policy;
}



// ---- the engine

void BM_Arrival_Indexed(benchmark::State& state) {
  Floor floor;
  floor.MakeAgents(static_cast<int>(state.range(0)), 1'000'000);
  RoutingEngine engine(BenchPolicy());
  TimePoint now = TimePoint{} + std::chrono::hours(500'000);
  for (const auto& a : floor.agents) {
    engine.UpsertAgent(a, now);
    engine.SetPresence(a.id(), omnibroker::v1::PRESENCE_AVAILABLE, now);
  }
  // The waiting queue: conversations in a language nobody speaks.
  for (int i = 0; i < kWaiting; ++i) engine.Enqueue(floor.Conversation(i, now, "xx"), now);
  engine.TakeDecisions();
  engine.TakeMemoChanges();  // the core stores these; here they only must not pile up
  std::vector<double> micros;
  int n = kWaiting;
  for (auto _ : state) {
    WorkItem item = floor.Conversation(n++, now);
    const std::string id = item.conversation_id;
    const auto start = std::chrono::steady_clock::now();
    engine.Enqueue(std::move(item), now);
    micros.push_back(bench::MicrosSince(start));
    state.PauseTiming();
    engine.Close(id, now);
    engine.TakeDecisions();
    engine.TakeMemoChanges();
    state.ResumeTiming();
  }
  bench::ReportLatency(state, micros);
}

void BM_AgentFreed_Indexed(benchmark::State& state) {
  Floor floor;
  const int agent_count = static_cast<int>(state.range(0));
  floor.MakeAgents(agent_count, 3);
  RoutingEngine engine(BenchPolicy());
  TimePoint now = TimePoint{} + std::chrono::hours(500'000);
  for (const auto& a : floor.agents) {
    engine.UpsertAgent(a, now);
    engine.SetPresence(a.id(), omnibroker::v1::PRESENCE_AVAILABLE, now);
  }
  // Fill every agent with conversations they can serve, then queue 100k more.
  std::vector<std::string> held;
  int n = 0;
  for (const auto& a : floor.agents) {
    for (int k = 0; k < 3; ++k) {
      WorkItem item = floor.Conversation(n++, now, a.languages(0).c_str());
      item.steps.clear();
      engine.Enqueue(std::move(item), now);
    }
  }
  for (const auto& d : engine.TakeDecisions()) {
    if (engine.Accept(d.offer_id, d.agent_id, now).ok()) held.push_back(d.conversation_id);
  }
  for (int i = 0; i < kWaiting; ++i) {
    now += std::chrono::milliseconds(1);
    engine.Enqueue(floor.Conversation(n++, now), now);
  }
  engine.TakeDecisions();
  engine.TakeMemoChanges();
  std::vector<double> micros;
  size_t next = 0;
  for (auto _ : state) {
    const std::string closing = held[next % held.size()];
    const auto start = std::chrono::steady_clock::now();
    engine.Close(closing, now);
    auto decisions = engine.TakeDecisions();
    micros.push_back(bench::MicrosSince(start));
    state.PauseTiming();
    for (const auto& d : decisions) {
      if (d.kind == Decision::Kind::kOffer && engine.Accept(d.offer_id, d.agent_id, now).ok()) {
        held[next % held.size()] = d.conversation_id;
      }
    }
    now += std::chrono::milliseconds(1);
    engine.Enqueue(floor.Conversation(n++, now), now);
    engine.TakeDecisions();
    engine.TakeMemoChanges();
    ++next;
    state.ResumeTiming();
  }
  bench::ReportLatency(state, micros);
}

// ---- the naive baseline: the same decisions by scanning every agent or every conversation.

struct NaiveAgent {
  std::vector<std::string> languages;
  std::vector<std::pair<std::string, int>> skills;
  int load = 0, capacity = 0;
  double effort = 0;
};
struct NaiveConversation {
  std::string language, skill;
  int min = 0;
  double urgency = 0;
};

NaiveAgent ToNaive(const omnibroker::v1::Agent& a, int capacity, int load) {
  NaiveAgent out{.load = load, .capacity = capacity};
  for (const auto& l : a.languages()) out.languages.push_back(l);
  for (const auto& s : a.skills()) out.skills.emplace_back(s.name(), s.proficiency());
  return out;
}

int Fit(const NaiveAgent& a, const NaiveConversation& c) {
  if (std::find(a.languages.begin(), a.languages.end(), c.language) == a.languages.end()) return -1;
  for (const auto& [name, level] : a.skills) {
    if (name == c.skill) return level >= c.min ? level : -1;
  }
  return -1;
}

NaiveConversation ToNaive(const WorkItem& item, double urgency) {
  return NaiveConversation{item.language, item.steps[0].skills(0).skill(), item.steps[0].skills(0).min_proficiency(),
                           urgency};
}

void BM_Arrival_LinearScan(benchmark::State& state) {
  Floor floor;
  floor.MakeAgents(static_cast<int>(state.range(0)), 1'000'000);
  std::vector<NaiveAgent> agents;
  for (size_t i = 0; i < floor.agents.size(); ++i) {
    agents.push_back(ToNaive(floor.agents[i], 1'000'000, 0));
    agents.back().effort = static_cast<double>(i % 97);
  }
  std::vector<double> micros;
  int n = 0;
  const TimePoint now{};
  for (auto _ : state) {
    const NaiveConversation c = ToNaive(floor.Conversation(n++, now), 0);
    const auto start = std::chrono::steady_clock::now();
    int best = -1, best_fit = -1;
    for (size_t i = 0; i < agents.size(); ++i) {
      if (agents[i].load >= agents[i].capacity) continue;
      const int fit = Fit(agents[i], c);
      if (fit > best_fit || (fit == best_fit && fit >= 0 && agents[i].effort < agents[best].effort)) {
        best = static_cast<int>(i);
        best_fit = fit;
      }
    }
    benchmark::DoNotOptimize(best);
    micros.push_back(bench::MicrosSince(start));
  }
  bench::ReportLatency(state, micros);
}

void BM_AgentFreed_LinearScan(benchmark::State& state) {
  Floor floor;
  floor.MakeAgents(static_cast<int>(state.range(0)), 3);
  std::vector<NaiveConversation> waiting;
  const TimePoint now{};
  for (int i = 0; i < kWaiting; ++i) waiting.push_back(ToNaive(floor.Conversation(i, now), floor.Pick(1000)));
  std::vector<double> micros;
  size_t next = 0;
  for (auto _ : state) {
    const NaiveAgent agent = ToNaive(floor.agents[next++ % floor.agents.size()], 3, 2);
    const auto start = std::chrono::steady_clock::now();
    int best = -1;
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (Fit(agent, waiting[i]) >= 0 && (best < 0 || waiting[i].urgency > waiting[best].urgency)) {
        best = static_cast<int>(i);
      }
    }
    benchmark::DoNotOptimize(best);
    micros.push_back(bench::MicrosSince(start));
  }
  bench::ReportLatency(state, micros);
}

// ---- the machine's own baseline: what `range(0)` dependent cache misses cost here, and their
// tail. A decision's time is mostly cache misses; on a shared VM a miss costs from ~100 to ~300 ns
// day to day, so the engine's microseconds are read next to this line of the same run.

void BM_DependentMisses_Baseline(benchmark::State& state) {
  const int hops = static_cast<int>(state.range(0));
  // A random cycle through 128 MiB: every hop is a last-level cache (and mostly TLB) miss.
  constexpr uint32_t kSlots = 1u << 25;
  std::vector<uint32_t> order(kSlots);
  for (uint32_t i = 0; i < kSlots; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64{42});
  std::vector<uint32_t> next(kSlots);
  for (uint32_t i = 0; i < kSlots; ++i) next[order[i]] = order[(i + 1) % kSlots];
  std::vector<double> micros;
  uint32_t at = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (int h = 0; h < hops; ++h) at = next[at];
    benchmark::DoNotOptimize(at);
    micros.push_back(bench::MicrosSince(start));
  }
  bench::ReportLatency(state, micros);
}

BENCHMARK(BM_DependentMisses_Baseline)->Arg(10)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Arrival_Indexed)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Arrival_LinearScan)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AgentFreed_Indexed)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_AgentFreed_LinearScan)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace omni::routing

BENCHMARK_MAIN();
