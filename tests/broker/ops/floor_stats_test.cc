// FloorStats on a scripted floor: three agents, ten conversations in two queues with known arrival,
// answer, handle and abandon times, checked against the numbers worked out by hand (in the
// comments); then the rolling window, the queue cap and the empty ratios.
#include "broker/ops/floor_stats.h"

#include <gtest/gtest.h>

#include "tests/support/floor_stats.h"

namespace omni::ops {
namespace {

using testing::FloorQueue;

using namespace std::chrono_literals;
using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_AWAY;

// A whole minute, so the window's minutes are easy to count.
const TimePoint kT0 = TimePoint(std::chrono::minutes(29'000'000));

std::vector<LiveAgent> Agents(std::initializer_list<std::string> ids) {
  std::vector<LiveAgent> out;
  for (const auto& id : ids) out.push_back({.agent_id = id});
  return out;
}

TEST(FloorStatsTest, ScriptedFloorGivesTheHandWorkedNumbers) {
  FloorStats stats({.answer_targets = {{"*", 20s}, {"support", 60s}}});
  auto at = [](int seconds) { return kT0 + std::chrono::seconds(seconds); };
  for (const char* agent : {"a", "b", "c"}) stats.PresenceChanged(agent, PRESENCE_AVAILABLE, at(0));
  // The ten conversations: arrival, then what became of them.
  stats.Arrived("billing", at(0));   // 1: a answers at 10 (wait 10, within 20), handled by 130
  stats.Arrived("billing", at(0));   // 2: b answers at 30 (wait 30), handled by 90
  stats.Arrived("billing", at(5));   // 3: abandoned at 8 (3 s: a short abandon)
  stats.Arrived("billing", at(10));  // 4: abandoned at 50 (40 s)
  stats.Arrived("support", at(20));  // 5: c answers at 80 (wait 60, within 60), handled by 200
  stats.Arrived("support", at(30));  // 6: a answers at 150 (wait 120), transferred away at 210
  stats.Arrived("support", at(40));  // 7: still waiting
  stats.Arrived("billing", at(50));  // 9: b answers at 85 (wait 35), handled by 265
  stats.Arrived("support", at(70));  // 10: abandoned at 100 (30 s)
  stats.Arrived("billing", at(100));  // 8: still waiting
  stats.Abandoned("billing", 3s, at(8));
  stats.HandlingStarted("c1", "billing", "a", at(10));
  stats.Answered("billing", 10s, at(10));
  stats.HandlingStarted("c2", "billing", "b", at(30));
  stats.Answered("billing", 30s, at(30));
  stats.Abandoned("billing", 40s, at(50));
  stats.HandlingStarted("c5", "support", "c", at(80));
  stats.Answered("support", 60s, at(80));
  stats.HandlingStarted("c9", "billing", "b", at(85));
  stats.Answered("billing", 35s, at(85));
  stats.HandlingEnded("c2", true, at(90));
  stats.Abandoned("support", 30s, at(100));
  stats.Breached("billing", "first_response", /*escalated=*/true, at(120));
  stats.HandlingEnded("c1", true, at(130));
  stats.HandlingStarted("c6", "support", "a", at(150));
  stats.Answered("support", 120s, at(150));
  stats.HandlingEnded("c5", true, at(200));
  stats.HandlingEnded("c6", false, at(210));
  stats.PresenceChanged("c", PRESENCE_AWAY, at(250));
  stats.Breached("support", "next_response", /*escalated=*/false, at(250));
  stats.HandlingEnded("c9", true, at(265));
  stats.HandlingEnded("nobody", true, at(270));  // not known: changes nothing

  const auto s = stats.Snapshot(at(300), {{"support", at(40)}, {"billing", at(100)}}, Agents({"a", "b", "c", "d"}));
  EXPECT_EQ(s.window_minutes(), 60);
  EXPECT_EQ(s.window_start().seconds(), (kT0 + 5min - 59min).time_since_epoch() / 1s);
  ASSERT_EQ(s.queues_size(), 2);
  EXPECT_EQ(s.queues(0).queue(), "billing") << "by name";

  const auto& billing = FloorQueue(s, "billing");
  EXPECT_EQ(billing.waiting(), 1);
  EXPECT_DOUBLE_EQ(billing.longest_wait_seconds(), 200);
  EXPECT_EQ(billing.offered(), 6);
  EXPECT_EQ(billing.answered(), 3);
  EXPECT_EQ(billing.answered_within_target(), 1);
  EXPECT_EQ(billing.abandoned(), 1);
  EXPECT_EQ(billing.short_abandoned(), 1);
  EXPECT_DOUBLE_EQ(billing.answer_target_seconds(), 20);
  EXPECT_DOUBLE_EQ(billing.service_level_percent(), 25);      // 1 / (3 + 1)
  EXPECT_DOUBLE_EQ(billing.average_speed_of_answer_seconds(), 25);  // (10 + 30 + 35) / 3
  EXPECT_EQ(billing.handled(), 3);
  EXPECT_DOUBLE_EQ(billing.average_handle_time_seconds(), 120);  // (120 + 60 + 180) / 3
  EXPECT_DOUBLE_EQ(billing.abandonment_percent(), 25);          // 1 / (3 + 1)
  EXPECT_EQ(billing.sla_breaches(), 1);
  EXPECT_EQ(billing.breaches_by_kind().at("first_response"), 1);
  EXPECT_EQ(billing.escalations(), 1);

  const auto& support = FloorQueue(s, "support");
  EXPECT_EQ(support.waiting(), 1);
  EXPECT_DOUBLE_EQ(support.longest_wait_seconds(), 260);
  EXPECT_EQ(support.offered(), 4);
  EXPECT_EQ(support.answered(), 2);
  EXPECT_EQ(support.answered_within_target(), 1) << "60 s is within a 60 s target";
  EXPECT_EQ(support.abandoned(), 1);
  EXPECT_DOUBLE_EQ(support.answer_target_seconds(), 60);
  EXPECT_DOUBLE_EQ(support.service_level_percent(), 100.0 / 3);
  EXPECT_DOUBLE_EQ(support.average_speed_of_answer_seconds(), 90);  // (60 + 120) / 2
  EXPECT_EQ(support.handled(), 1) << "the transferred one is not handled";
  EXPECT_DOUBLE_EQ(support.average_handle_time_seconds(), 120);
  EXPECT_DOUBLE_EQ(support.abandonment_percent(), 100.0 / 3);
  EXPECT_EQ(support.breaches_by_kind().at("next_response"), 1);
  EXPECT_EQ(support.escalations(), 0);

  const auto& total = s.total();
  EXPECT_EQ(total.queue(), "");
  EXPECT_EQ(total.waiting(), 2);
  EXPECT_DOUBLE_EQ(total.longest_wait_seconds(), 260);
  EXPECT_EQ(total.offered(), 10);
  EXPECT_EQ(total.answered(), 5);
  EXPECT_EQ(total.abandoned(), 2);
  EXPECT_EQ(total.short_abandoned(), 1);
  EXPECT_DOUBLE_EQ(total.service_level_percent(), 200.0 / 7);
  EXPECT_DOUBLE_EQ(total.average_speed_of_answer_seconds(), 51);  // (75 + 180) / 5
  EXPECT_EQ(total.handled(), 4);
  EXPECT_DOUBLE_EQ(total.average_handle_time_seconds(), 120);  // (360 + 120) / 4
  EXPECT_DOUBLE_EQ(total.abandonment_percent(), 200.0 / 7);
  EXPECT_EQ(total.sla_breaches(), 2);
  EXPECT_EQ(total.escalations(), 1);

  ASSERT_EQ(s.agents_size(), 4);
  // a: handling 10-130 and 150-210 of 300 s logged in.
  EXPECT_DOUBLE_EQ(s.agents(0).handling_seconds(), 180);
  EXPECT_DOUBLE_EQ(s.agents(0).logged_in_seconds(), 300);
  EXPECT_DOUBLE_EQ(s.agents(0).occupancy_percent(), 60);
  EXPECT_EQ(s.agents(0).handled(), 1);
  // b: two at once from 85 to 90, so handling 30-265.
  EXPECT_DOUBLE_EQ(s.agents(1).handling_seconds(), 235);
  EXPECT_DOUBLE_EQ(s.agents(1).occupancy_percent(), 235.0 / 3);
  EXPECT_EQ(s.agents(1).handled(), 2);
  // c: away from 250, so 120 s handling of 250 s logged in.
  EXPECT_DOUBLE_EQ(s.agents(2).logged_in_seconds(), 250);
  EXPECT_DOUBLE_EQ(s.agents(2).occupancy_percent(), 48);
  // d never logged in: no occupancy at all.
  EXPECT_FALSE(s.agents(3).has_occupancy_percent());
  EXPECT_EQ(s.agents(3).logged_in_seconds(), 0);
}

TEST(FloorStatsTest, TheWindowRollsByTheMinute) {
  FloorStats stats({.window_minutes = 2});
  auto offered = [&](TimePoint now) { return stats.Snapshot(now, {}, {}).total().offered(); };
  // Facts come in the order of their time, and a snapshot is never older than the last.
  stats.PresenceChanged("a", PRESENCE_AVAILABLE, kT0);
  stats.Arrived("", kT0);
  stats.HandlingStarted("c1", "", "a", kT0 + 30s);
  stats.Arrived("", kT0 + 90s);
  EXPECT_EQ(offered(kT0 + 119s), 2);
  EXPECT_EQ(offered(kT0 + 120s), 1) << "minute 0 left the window";
  stats.HandlingEnded("c1", true, kT0 + 150s);
  EXPECT_EQ(offered(kT0 + 179s), 1);
  EXPECT_EQ(offered(kT0 + 180s), 0);

  // The window is minutes 2 and 3 (120-240 s) at 180 s: logged in 120-180, handling 120-150.
  auto s = stats.Snapshot(kT0 + 180s, {}, Agents({"a"}));
  EXPECT_EQ(s.queues(0).queue(), "default") << "the empty queue's name";
  EXPECT_DOUBLE_EQ(s.agents(0).logged_in_seconds(), 60);
  EXPECT_DOUBLE_EQ(s.agents(0).handling_seconds(), 30);
  EXPECT_DOUBLE_EQ(s.agents(0).occupancy_percent(), 50);
  EXPECT_EQ(s.agents(0).handled(), 1);
  // An hour later only the last two minutes count: logged in all along, handling nothing.
  s = stats.Snapshot(kT0 + 60min + 30s, {}, Agents({"a"}));
  EXPECT_DOUBLE_EQ(s.agents(0).logged_in_seconds(), 90);
  EXPECT_DOUBLE_EQ(s.agents(0).occupancy_percent(), 0);
  EXPECT_EQ(s.agents(0).handled(), 0);
  EXPECT_EQ(s.total().handled(), 0);
}

TEST(FloorStatsTest, AFactOlderThanTheWindowDoesNotEraseANewerMinute) {
  FloorStats stats({.window_minutes = 2});
  stats.Arrived("q", kT0 + 120s);
  stats.Arrived("q", kT0);  // minute 0 shares minute 2's bucket
  EXPECT_EQ(stats.Snapshot(kT0 + 120s, {}, {}).total().offered(), 1);
}

TEST(FloorStatsTest, RatiosAreAbsentWithoutDenominators) {
  FloorStats stats;
  stats.Arrived("q", kT0);
  const auto s = stats.Snapshot(kT0 + 10s, {{"q", kT0}}, {});
  const auto& q = s.queues(0);
  EXPECT_EQ(q.waiting(), 1);
  EXPECT_DOUBLE_EQ(q.longest_wait_seconds(), 10);
  EXPECT_FALSE(q.has_service_level_percent());
  EXPECT_FALSE(q.has_abandonment_percent());
  EXPECT_FALSE(q.has_average_speed_of_answer_seconds());
  EXPECT_FALSE(q.has_average_handle_time_seconds());
  EXPECT_FALSE(s.total().has_service_level_percent());
}

TEST(FloorStatsTest, QueuesPastTheCapCountAsOther) {
  FloorStats stats({.max_queues = 2});
  for (const char* queue : {"a", "b", "c", "d"}) stats.Arrived(queue, kT0);
  const auto s = stats.Snapshot(kT0, {{"e", kT0}}, {});
  ASSERT_EQ(s.queues_size(), 3);
  EXPECT_EQ(s.queues(2).queue(), "other");
  EXPECT_EQ(s.queues(2).offered(), 2);
  EXPECT_EQ(s.queues(2).waiting(), 1);
}

}  // namespace
}  // namespace omni::ops
