// What an agent's latest scores mean, with the seed practice's thresholds: the average of the last
// five below 45 takes them off routing until a supervisor re-certifies them (better scores
// meanwhile do not bring them back), 45 to under 76 flags them for training, 76 and above is good
// standing; a re-certification starts the count again.
#include "broker/quality/standing.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/time_util.h"

namespace omni::quality {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::QUALITY_GOOD;
using omnibroker::v1::QUALITY_OFF_ROUTING;
using omnibroker::v1::QUALITY_TRAINING;

const TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 20000);

struct Case {
  const char* what;
  std::vector<double> scores;  // oldest first
  omnibroker::v1::QualityStanding standing;
  double average;
};

TEST(StandingTest, TheAverageOfTheLastFiveScoresSetsTheStanding) {
  const Case cases[] = {
      {"one poor review", {30}, QUALITY_OFF_ROUTING, 30},
      {"just below 45", {44.9}, QUALITY_OFF_ROUTING, 44.9},
      {"45 is not below 45", {45}, QUALITY_TRAINING, 45},
      {"training", {60, 70, 50}, QUALITY_TRAINING, 60},
      {"75.9 is below 76", {75.9}, QUALITY_TRAINING, 75.9},
      {"76 is good", {76}, QUALITY_GOOD, 76},
      {"good", {90, 80, 100}, QUALITY_GOOD, 90},
      {"only the last five count", {0, 0, 90, 90, 90, 90, 90}, QUALITY_GOOD, 90},
      {"one poor of five", {100, 100, 100, 100, 20}, QUALITY_GOOD, 84},
      {"poor on average", {40, 50, 40, 50, 40}, QUALITY_OFF_ROUTING, 44},
  };
  for (const Case& c : cases) {
    omnibroker::v1::AgentQuality record;
    for (size_t i = 0; i < c.scores.size(); ++i) {
      auto* score = record.add_recent();
      score->set_conversation_id("c" + std::to_string(i));
      score->set_total(c.scores[i]);
    }
    Derive(record, Thresholds{}, kStart);
    EXPECT_EQ(record.standing(), c.standing) << c.what << ": " << record.why();
    EXPECT_DOUBLE_EQ(record.average(), c.average) << c.what;
    EXPECT_EQ(record.averaged(), std::min<int>(5, c.scores.size())) << c.what;
  }
}

TEST(StandingTest, OffRoutingUntilASupervisorReCertifies) {
  omnibroker::v1::AgentQuality record;
  ASSERT_TRUE(AddScore(record, "c1", 30, kStart, kStart + 1h, Thresholds{}));
  EXPECT_EQ(record.standing(), QUALITY_OFF_ROUTING);
  EXPECT_EQ(record.why(), "average 30.0 of the last 1 review is below 45");
  EXPECT_EQ(FromProto(record.since()), kStart + 1h);

  // Better scores of earlier work do not bring them back.
  ASSERT_TRUE(AddScore(record, "c2", 100, kStart, kStart + 2h, Thresholds{}));
  ASSERT_TRUE(AddScore(record, "c3", 100, kStart, kStart + 3h, Thresholds{}));
  EXPECT_EQ(record.standing(), QUALITY_OFF_ROUTING);
  EXPECT_DOUBLE_EQ(record.average(), 76.7);
  EXPECT_EQ(FromProto(record.since()), kStart + 1h) << "off routing since the first";
  EXPECT_EQ(record.why(), "average 30.0 of the last 1 review is below 45") << "why they went off routing";

  Recertify(record, "sofia", "coached on refunds", kStart + 4h);
  EXPECT_EQ(record.standing(), QUALITY_GOOD);
  EXPECT_EQ(record.why(), "re-certified by sofia: coached on refunds");
  EXPECT_EQ(record.recent_size(), 0) << "the count starts again";
  EXPECT_EQ(record.averaged(), 0);

  // A review of work from before the re-certification, scored after it, does not count.
  EXPECT_FALSE(AddScore(record, "c4", 10, kStart + 3h, kStart + 5h, Thresholds{}));
  EXPECT_EQ(record.standing(), QUALITY_GOOD);
  EXPECT_EQ(record.recent_size(), 0);
  // Work since does.
  ASSERT_TRUE(AddScore(record, "c5", 60, kStart + 4h + 1min, kStart + 6h, Thresholds{}));
  EXPECT_EQ(record.standing(), QUALITY_TRAINING);
  EXPECT_EQ(record.why(), "average 60.0 of the last 1 review is below 76");
  EXPECT_EQ(FromProto(record.since()), kStart + 6h);
}

TEST(StandingTest, ThresholdsAndTheCountAreTheTenantsToSet) {
  const Thresholds strict{.last_reviews = 2, .off_routing_below = 60, .training_below = 90};
  omnibroker::v1::AgentQuality record;
  ASSERT_TRUE(AddScore(record, "c1", 100, kStart, kStart, strict));
  ASSERT_TRUE(AddScore(record, "c2", 70, kStart, kStart, strict));
  EXPECT_EQ(record.standing(), QUALITY_TRAINING) << record.why();
  EXPECT_DOUBLE_EQ(record.average(), 85);
  ASSERT_TRUE(AddScore(record, "c3", 40, kStart, kStart, strict));
  EXPECT_EQ(record.standing(), QUALITY_OFF_ROUTING) << "(70 + 40) / 2 = 55: " << record.why();
  EXPECT_EQ(record.averaged(), 2);
}

TEST(StandingTest, ARecordKeepsItsLatestFiftyScores) {
  omnibroker::v1::AgentQuality record;
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(AddScore(record, "c" + std::to_string(i), 90, kStart, kStart, Thresholds{}));
  ASSERT_EQ(record.recent_size(), kKeptScores);
  EXPECT_EQ(record.recent(0).conversation_id(), "c10");
}

}  // namespace
}  // namespace omni::quality
