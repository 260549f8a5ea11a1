// Metrics: counters, gauges and histograms that any thread bumps with one relaxed atomic (the
// routing core is single-threaded and takes no lock for them), and a registry that renders them
// in the Prometheus text exposition format (version 0.0.4). Label values are fixed when a series
// is registered, so the label cardinality is whatever the code registers: reasons from a fixed
// set, names from the config. Values that only exist at scrape time (queue depth) come from
// collectors, which write their samples while the page is rendered.
//
// Lifecycle: register everything first (not thread-safe), then Render() and the metrics' own
// methods are thread-safe. Registered metrics live as long as the registry.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace omni {

// Label name and value pairs, in the order they are printed.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Durations in seconds, in fixed buckets from 50 µs to 10 s (disk writes and syncs fall inside).
class Histogram {
 public:
  static constexpr std::array<double, 16> kBounds = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
  void Observe(std::chrono::nanoseconds d);
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Observations at or below kBounds[i] (cumulative, as Prometheus wants them).
  uint64_t CumulativeCount(size_t i) const;
  double sum_seconds() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size()> buckets_{};  // not cumulative
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

// Writes samples of one family at scrape time (see MetricsRegistry::AddCollector).
class SampleWriter {
 public:
  explicit SampleWriter(std::string& out, const std::string& name) : out_(out), name_(name) {}
  void Write(const Labels& labels, double value);

 private:
  std::string& out_;
  const std::string& name_;
};

class MetricsRegistry {
 public:
  // `name` follows Prometheus conventions (counters end in _total, durations in _seconds).
  Counter& AddCounter(const std::string& name, const std::string& help, Labels labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help, Labels labels = {});
  Histogram& AddHistogram(const std::string& name, const std::string& help, Labels labels = {});
  // A gauge family whose samples `collect` writes at each scrape.
  void AddCollector(const std::string& name, const std::string& help,
                    std::function<void(SampleWriter&)> collect);
  // A counter family whose samples `collect` writes at each scrape: counts another component keeps
  // (a connector's refusals by reason), rendered as they are rather than copied into counters.
  void AddCounterCollector(const std::string& name, const std::string& help,
                           std::function<void(SampleWriter&)> collect);

  // Every family, in registration order, in the text exposition format.
  std::string Render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    // One of these is set, as the family's type says. Deques keep references stable.
    Counter* counter = nullptr;
    Gauge* gauge = nullptr;
    Histogram* histogram = nullptr;
  };
  struct Family {
    std::string name, help;
    Type type;
    std::vector<Series> series;
    std::function<void(SampleWriter&)> collect;
  };
  Family& FamilyFor(const std::string& name, const std::string& help, Type type);
  // A new metric kept in `metrics`, registered as a series of the family `name`.
  template <typename T>
  T& Add(std::deque<T>& metrics, T* Series::*slot, Type type, const std::string& name,
         const std::string& help, Labels labels);

  std::vector<Family> families_;
  std::deque<Counter> counters_;
  std::deque<Gauge> gauges_;
  std::deque<Histogram> histograms_;
};

// Times a scope into `histogram` (nothing when it is null).
class ScopedTimer {
 public:
  explicit ScopedTimer(Histogram* histogram)
      : histogram_(histogram), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    if (histogram_ != nullptr) histogram_->Observe(std::chrono::steady_clock::now() - start_);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  Histogram* histogram_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace omni
