// The metrics registry's Prometheus text format: help and type lines, label escaping, cumulative
// histogram buckets, collectors' samples at render time.
#include "base/metrics.h"

#include <gtest/gtest.h>

namespace omni {
namespace {

using namespace std::chrono_literals;

TEST(MetricsTest, RendersCountersAndGaugesWithLabels) {
  MetricsRegistry registry;
  Counter& ok = registry.AddCounter("omni_things_total", "Things.", {{"status", "ok"}});
  Counter& odd = registry.AddCounter("omni_things_total", "Things.", {{"status", "a\"b\\c\nd"}});
  Gauge& open = registry.AddGauge("omni_open", "Open now.");
  ok.Add(3);
  odd.Add();
  open.Add(2);
  open.Add(-1);
  EXPECT_EQ(registry.Render(),
            "# HELP omni_things_total Things.\n"
            "# TYPE omni_things_total counter\n"
            "omni_things_total{status=\"ok\"} 3\n"
            "omni_things_total{status=\"a\\\"b\\\\c\\nd\"} 1\n"
            "# HELP omni_open Open now.\n"
            "# TYPE omni_open gauge\n"
            "omni_open 1\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  Histogram& h = registry.AddHistogram("omni_sync_seconds", "Syncs.");
  h.Observe(30us);  // first bucket (0.00005)
  h.Observe(1ms);   // exactly on 0.001: counts there
  h.Observe(20s);   // above every bound: only +Inf
  const std::string page = registry.Render();
  EXPECT_NE(page.find("# TYPE omni_sync_seconds histogram\n"), std::string::npos);
  EXPECT_NE(page.find("omni_sync_seconds_bucket{le=\"5e-05\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_bucket{le=\"0.0005\"} 1\n"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_bucket{le=\"0.001\"} 2\n"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_bucket{le=\"10\"} 2\n"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_sum 20.001"), std::string::npos) << page;
  EXPECT_NE(page.find("omni_sync_seconds_count 3\n"), std::string::npos) << page;
}

TEST(MetricsTest, CollectorsWriteAtRenderTime) {
  MetricsRegistry registry;
  int depth = 1;
  registry.AddCollector("omni_queue_depth", "Waiting.", [&](SampleWriter& out) {
    out.Write({{"queue", "billing"}}, depth);
  });
  EXPECT_NE(registry.Render().find("omni_queue_depth{queue=\"billing\"} 1\n"), std::string::npos);
  depth = 4;
  EXPECT_NE(registry.Render().find("omni_queue_depth{queue=\"billing\"} 4\n"), std::string::npos);
}

TEST(MetricsTest, CollectedWholeNumbersAreWrittenInFullAndFractionsAsThey) {
  MetricsRegistry registry;
  registry.AddCollector("omni_cluster_partition_epoch", "Epoch.", [](SampleWriter& out) {
    out.Write({{"partition", "0"}}, 123456789.0);
    out.Write({{"partition", "1"}}, 0.25);
  });
  const std::string page = registry.Render();
  EXPECT_NE(page.find("{partition=\"0\"} 123456789\n"), std::string::npos) << page;
  EXPECT_NE(page.find("{partition=\"1\"} 0.25\n"), std::string::npos) << page;
}

TEST(MetricsTest, CounterCollectorsAreTypedCounter) {
  MetricsRegistry registry;
  registry.AddCounterCollector("omni_webhook_rejections_total", "Refused.", [](SampleWriter& out) {
    out.Write({{"connector", "tg"}, {"reason", "rate_limited"}}, 3);
  });
  EXPECT_EQ(registry.Render(),
            "# HELP omni_webhook_rejections_total Refused.\n"
            "# TYPE omni_webhook_rejections_total counter\n"
            "omni_webhook_rejections_total{connector=\"tg\",reason=\"rate_limited\"} 3\n");
}

}  // namespace
}  // namespace omni
