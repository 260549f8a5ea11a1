#include "base/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace omni {
namespace {

std::string EscapeLabelValue(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// `{a="x",b="y"}` with `extra` last (a histogram's le), or "" without labels.
std::string LabelText(const Labels& labels,
                      const std::pair<std::string, std::string>* extra = nullptr) {
  if (labels.empty() && extra == nullptr) return "";
  std::string out = "{";
  for (const auto& [name, value] : labels) {
    absl::StrAppend(&out, out.size() > 1 ? "," : "", name, "=\"", EscapeLabelValue(value), "\"");
  }
  if (extra != nullptr)
    absl::StrAppend(&out, out.size() > 1 ? "," : "", extra->first, "=\"", extra->second, "\"");
  return out + "}";
}

}  // namespace

void Histogram::Observe(std::chrono::nanoseconds d) {
  const double seconds = std::chrono::duration<double>(d).count();
  const auto bucket = std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin();
  if (static_cast<size_t>(bucket) < kBounds.size())
    buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, d.count())),
                       std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

uint64_t Histogram::CumulativeCount(size_t i) const {
  uint64_t total = 0;
  for (size_t b = 0; b <= i && b < buckets_.size(); ++b)
    total += buckets_[b].load(std::memory_order_relaxed);
  return total;
}

double Histogram::sum_seconds() const {
  return static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) / 1e9;
}

void SampleWriter::Write(const Labels& labels, double value) {
  // A whole number in full (an epoch, a count past a million), not in six digits.
  if (std::trunc(value) == value && std::abs(value) < 9e15) {
    absl::StrAppend(&out_, name_, LabelText(labels), " ", static_cast<int64_t>(value), "\n");
  } else {
    absl::StrAppend(&out_, name_, LabelText(labels), " ", value, "\n");
  }
}

MetricsRegistry::Family& MetricsRegistry::FamilyFor(const std::string& name,
                                                    const std::string& help, Type type) {
  for (auto& family : families_) {
    if (family.name == name) return family;
  }
  families_.push_back(Family{.name = name, .help = help, .type = type});
  return families_.back();
}

template <typename T>
T& MetricsRegistry::Add(std::deque<T>& metrics, T* Series::*slot, Type type,
                        const std::string& name, const std::string& help, Labels labels) {
  T& metric = metrics.emplace_back();
  Series series{.labels = std::move(labels)};
  series.*slot = &metric;
  FamilyFor(name, help, type).series.push_back(std::move(series));
  return metric;
}

Counter& MetricsRegistry::AddCounter(const std::string& name, const std::string& help,
                                     Labels labels) {
  return Add(counters_, &Series::counter, Type::kCounter, name, help, std::move(labels));
}

Gauge& MetricsRegistry::AddGauge(const std::string& name, const std::string& help, Labels labels) {
  return Add(gauges_, &Series::gauge, Type::kGauge, name, help, std::move(labels));
}

Histogram& MetricsRegistry::AddHistogram(const std::string& name, const std::string& help,
                                         Labels labels) {
  return Add(histograms_, &Series::histogram, Type::kHistogram, name, help, std::move(labels));
}

void MetricsRegistry::AddCollector(const std::string& name, const std::string& help,
                                   std::function<void(SampleWriter&)> collect) {
  FamilyFor(name, help, Type::kGauge).collect = std::move(collect);
}

void MetricsRegistry::AddCounterCollector(const std::string& name, const std::string& help,
                                          std::function<void(SampleWriter&)> collect) {
  FamilyFor(name, help, Type::kCounter).collect = std::move(collect);
}

std::string MetricsRegistry::Render() const {
  std::string out;
  for (const auto& family : families_) {
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    absl::StrAppend(&out, "# HELP ", family.name, " ", family.help, "\n# TYPE ", family.name, " ",
                    type, "\n");
    for (const auto& s : family.series) {
      if (s.counter != nullptr)
        absl::StrAppend(&out, family.name, LabelText(s.labels), " ", s.counter->value(), "\n");
      if (s.gauge != nullptr)
        absl::StrAppend(&out, family.name, LabelText(s.labels), " ", s.gauge->value(), "\n");
      if (s.histogram == nullptr) continue;
      // Read the count first: buckets bumped meanwhile may exceed it by a little, never fall short.
      const uint64_t count = s.histogram->count();
      for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
        const std::pair<std::string, std::string> le{"le", absl::StrCat(Histogram::kBounds[i])};
        absl::StrAppend(&out, family.name, "_bucket", LabelText(s.labels, &le), " ",
                        std::min(count, s.histogram->CumulativeCount(i)), "\n");
      }
      const std::pair<std::string, std::string> inf{"le", "+Inf"};
      absl::StrAppend(&out, family.name, "_bucket", LabelText(s.labels, &inf), " ", count, "\n",
                      family.name, "_sum", LabelText(s.labels), " ", s.histogram->sum_seconds(),
                      "\n", family.name, "_count", LabelText(s.labels), " ", count, "\n");
    }
    if (family.collect) {
      SampleWriter writer(out, family.name);
      family.collect(writer);
    }
  }
  return out;
}

}  // namespace omni
