// Per-iteration latencies as Google Benchmark counters: mean_us and p99_us.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace omni::bench {

inline double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

inline void ReportLatency(benchmark::State& state, std::vector<double>& micros) {
  if (micros.empty()) return;
  std::sort(micros.begin(), micros.end());
  double sum = 0;
  for (double m : micros) sum += m;
  state.counters["mean_us"] = sum / micros.size();
  state.counters["p99_us"] = micros[micros.size() * 99 / 100];
}

}  // namespace omni::bench
