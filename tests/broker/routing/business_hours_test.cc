// Business hours in the routing engine, on a controlled clock: deadlines that count a queue's
// open hours (a Friday evening, a weekend, a change of policy), the at-risk prediction on the
// same clock, what Explain says of a queue's calendar, and the after-hours rules (keep waiting,
// an auto reply once per closed spell, an overflow to a queue that is open).
#include <gtest/gtest.h>

#include "broker/routing/routing_engine.h"
#include "tests/broker/routing/routing_scenario.h"

namespace omni::routing {
namespace {

using omnibroker::v1::TIER_GOLD;
using omnibroker::v1::TIER_STANDARD;

TimePoint Berlin(const std::string& text) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &tz));
  absl::CivilMinute minute;
  EXPECT_TRUE(absl::ParseCivilTime(text.substr(0, 10) + "T" + text.substr(11), &minute)) << text;
  return std::chrono::time_point_cast<Duration>(absl::ToChronoTime(absl::FromCivil(minute, tz)));
}

// Billing is open on weekdays 09:00-18:00 in Berlin (Christmas Eve until noon, closed on the two
// Christmas holidays); standard customers' deadlines count its
// business time (first response within 2 h, next within 15 min), gold customers' wall time.
RoutingPolicy OfficePolicy() {
  RoutingPolicy policy = Scenario::TestPolicy();
  CalendarSpec spec{.name = "office", .time_zone = "Europe/Berlin"};
  for (int day = 0; day < 5; ++day) spec.weekly[day] = {TimeRange{9 * 60, 18 * 60}};
  spec.holidays = {absl::CivilDay(2025, 12, 25), absl::CivilDay(2025, 12, 26)};
  spec.special_days[absl::CivilDay(2025, 12, 24)] = {TimeRange{9 * 60, 12 * 60}};
  policy.calendars.emplace("office", *Calendar::Create(spec, "routing.calendars.office"));
  policy.queue_hours["billing"] = QueueHours{.calendar = "office"};
  policy.tiers[TIER_STANDARD] =
      TierPolicy{.first_response = 2h, .next_response = 15min, .resolution = 48h, .business_time = true};
  policy.tiers[TIER_GOLD] = TierPolicy{.weight = 300, .first_response = 2h, .next_response = 15min};
  return policy;
}

// The breaches so far: conversation -> reason -> when due, and in which calendar's time.
std::map<std::string, std::pair<TimePoint, std::string>> Breaches(const Scenario& s, const std::string& reason) {
  std::map<std::string, std::pair<TimePoint, std::string>> out;
  for (const auto& d : s.Decisions(Decision::Kind::kBreach)) {
    if (d.reason == reason) out[d.conversation_id] = {d.at, d.calendar};
  }
  return out;
}

TEST(BusinessHoursTest, AFridayEveningFirstResponseFallsDueOnMonday) {
  Scenario s(OfficePolicy());
  s.now = Berlin("2025-03-28 17:30");  // a Friday; Sunday night the clocks go forward
  s.Arrive({.id = "billing", .queue = "billing"});
  s.Arrive({.id = "sales", .queue = "sales"});  // no calendar: 24/7, business time is wall time
  s.Arrive({.id = "gold", .tier = TIER_GOLD, .queue = "billing"});  // its tier counts wall time

  s.Wait(Berlin("2025-03-28 19:31") - s.now, 1min);
  auto due = Breaches(s, "first_response");
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due["sales"], std::pair(Berlin("2025-03-28 19:30"), std::string()));
  EXPECT_EQ(due["gold"], std::pair(Berlin("2025-03-28 19:30"), std::string()));

  s.Wait(Berlin("2025-03-31 10:29") - s.now, 1min);
  EXPECT_FALSE(Breaches(s, "first_response").contains("billing")) << "30 min on Friday, 89 on Monday";
  s.Wait(2min, 1min);
  ASSERT_TRUE(Breaches(s, "first_response").contains("billing"));
  EXPECT_EQ(Breaches(s, "first_response")["billing"], std::pair(Berlin("2025-03-31 10:30"), std::string("office")));
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

TEST(BusinessHoursTest, ChristmasHolidaysAndAWeekendPassWithoutADeadlineFallingDue) {
  Scenario s(OfficePolicy());
  s.now = Berlin("2025-12-24 11:30");  // half an hour before Christmas Eve closes
  s.Arrive({.id = "c", .queue = "billing"});
  s.Wait(Berlin("2025-12-29 10:29") - s.now, 5min);
  EXPECT_TRUE(Breaches(s, "first_response").empty()) << "30 min on the 24th, then the 29th";
  s.Wait(5min, 1min);
  EXPECT_EQ(Breaches(s, "first_response")["c"], std::pair(Berlin("2025-12-29 10:30"), std::string("office")));
}

TEST(BusinessHoursTest, ANextResponseDeadlineCountsBusinessTimeToo) {
  Scenario s(OfficePolicy());
  s.now = Berlin("2025-03-28 17:00");
  s.Login({.id = "a"});
  s.Arrive({.id = "c", .queue = "billing"});
  s.Take("c");
  s.Wait(50min, 1min);
  s.engine.CustomerMessage("c", s.now);  // 17:50: 10 minutes left on Friday, 5 on Monday
  s.Wait(Berlin("2025-03-31 09:04") - s.now, 1min);
  EXPECT_TRUE(Breaches(s, "next_response").empty());
  s.Wait(2min, 1min);
  EXPECT_EQ(Breaches(s, "next_response")["c"], std::pair(Berlin("2025-03-31 09:05"), std::string("office")));
}

TEST(BusinessHoursTest, TheFirstResponseComesAtRiskOnTheSameClock) {
  Scenario s(OfficePolicy());  // at risk after 0.8 of 2 h of business time: 96 min
  s.now = Berlin("2025-03-28 17:30");
  s.Arrive({.id = "c", .queue = "billing"});
  s.Wait(Berlin("2025-03-31 10:05") - s.now, 1min);
  EXPECT_EQ(s.engine.Explain("c", s.now).urgency_parts.at_risk, 0) << "66 of the 96 minutes are Monday's";
  s.Wait(2min, 1min);
  EXPECT_EQ(s.engine.Explain("c", s.now).urgency_parts.at_risk, s.engine.policy().risk_urgency);

  // The typical wait is learnt in the same time: a conversation taken on Monday at 09:30 after
  // waiting since Friday 17:30 waited one business hour, not 64 hours.
  s.Login({.id = "a", .chat = 10});
  s.Arrive({.id = "learn1", .queue = "billing"});
  s.Take("learn1");
  s.now = Berlin("2025-04-04 17:30");  // the next Friday
  s.engine.Advance(s.now);
  s.Settle();
  s.SetPresence("a", omnibroker::v1::PRESENCE_AWAY);
  s.Arrive({.id = "friday", .queue = "billing"});
  s.Wait(Berlin("2025-04-07 09:30") - s.now, 1min);
  s.SetPresence("a", omnibroker::v1::PRESENCE_AVAILABLE);
  s.Take("friday");
  s.Arrive({.id = "next", .queue = "billing"});
  const auto why = s.engine.Explain("next", s.now);
  EXPECT_EQ(why.urgency_parts.at_risk, 0) << why.phase << ": a typical wait of hours would put it at risk at once";
}

TEST(BusinessHoursTest, ExplainSaysWhichCalendarApplies) {
  Scenario s(OfficePolicy());
  s.now = Berlin("2025-03-29 11:00");  // Saturday
  s.Arrive({.id = "billing", .queue = "billing"});
  s.Arrive({.id = "sales", .queue = "sales"});
  s.Arrive({.id = "gold", .tier = TIER_GOLD, .queue = "billing"});
  auto why = s.engine.Explain("billing", s.now);
  EXPECT_TRUE(why.business_time);
  EXPECT_EQ(why.calendar, "office (Europe/Berlin)");
  EXPECT_EQ(why.hours, "office (Europe/Berlin): closed until 2025-03-31 09:00 CEST; after hours: keep waiting");
  why = s.engine.Explain("sales", s.now);
  EXPECT_TRUE(why.business_time);
  EXPECT_EQ(why.calendar, "24/7");
  EXPECT_EQ(why.hours, "") << "sales has no hours of its own";
  why = s.engine.Explain("gold", s.now);
  EXPECT_FALSE(why.business_time) << "gold counts wall time";
  EXPECT_EQ(why.calendar, "office (Europe/Berlin)") << "its queue's calendar still says when it is open";
  s.now = Berlin("2025-03-31 10:00");
  EXPECT_EQ(s.engine.Explain("billing", s.now).hours,
            "office (Europe/Berlin): open until 2025-03-31 18:00 CEST; after hours: keep waiting");
}

TEST(BusinessHoursTest, APolicyChangeToBusinessTimeRetimesTheDeadlines) {
  RoutingPolicy wall = OfficePolicy();
  wall.tiers[TIER_STANDARD].business_time = false;
  Scenario s(wall);
  s.now = Berlin("2025-03-28 17:30");
  s.Arrive({.id = "c", .queue = "billing"});
  s.Wait(10min, 1min);
  ASSERT_TRUE(s.engine.SetPolicy(OfficePolicy(), s.now).ok());
  s.Wait(Berlin("2025-03-28 20:00") - s.now, 1min);
  EXPECT_TRUE(Breaches(s, "first_response").empty()) << "no longer due at 19:30";
  ASSERT_TRUE(s.engine.SetPolicy(wall, s.now).ok());
  s.Wait(1min, 1min);
  EXPECT_EQ(Breaches(s, "first_response")["c"], std::pair(Berlin("2025-03-28 19:30"), std::string()))
      << "back on wall time: it was due at 19:30";
}

// Billing as in OfficePolicy, answering chats after hours and sending calls to support, which
// is open in the evening (20:00-23:00).
RoutingPolicy AfterHoursPolicy() {
  RoutingPolicy policy = OfficePolicy();
  CalendarSpec evening{.name = "evening", .time_zone = "Europe/Berlin"};
  for (auto& day : evening.weekly) day = {TimeRange{20 * 60, 23 * 60}};
  policy.calendars.emplace("evening", *Calendar::Create(evening, "routing.calendars.evening"));
  policy.queue_hours["support"] = QueueHours{.calendar = "evening"};
  policy.queue_hours["billing"].after_hours = {
      AfterHoursRule{.action = AfterHoursAction::kAutoReply,
                     .messages = {{"en", "We are closed."}, {"de", "Wir haben geschlossen."}}},
      AfterHoursRule{.channel = omnibroker::v1::CHANNEL_VOICE, .action = AfterHoursAction::kOverflow,
                     .overflow_queue = "support"}};
  EXPECT_TRUE(Validate(policy).ok()) << Validate(policy);
  return policy;
}

std::vector<std::pair<std::string, std::string>> Replies(const Scenario& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : s.Decisions(Decision::Kind::kAfterHoursReply)) out.emplace_back(d.conversation_id, d.text);
  return out;
}

TEST(BusinessHoursTest, AClosedQueueAnswersOncePerClosedSpellAndKeepsTheConversationWaiting) {
  Scenario s(AfterHoursPolicy());
  s.now = Berlin("2025-03-28 17:00");
  s.Arrive({.id = "in_hours", .queue = "billing"});
  s.now = Berlin("2025-03-28 18:30");
  s.Arrive({.id = "en", .queue = "billing"});
  s.Arrive({.id = "de", .language = "de-AT", .queue = "billing"});
  s.Arrive({.id = "sales", .queue = "sales"});  // no hours
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Replies(s), (Pairs{{"en", "We are closed."}, {"de", "Wir haben geschlossen."}}));

  // The conversation that came in hours is answered at the closing time it waited through
  // (18:00, its timer runs with the clock), and only once over the weekend.
  s.Wait(Berlin("2025-03-31 08:59") - s.now, 1min);
  ASSERT_EQ(Replies(s).size(), 3u);
  EXPECT_EQ(Replies(s)[2], std::pair(std::string("in_hours"), std::string("We are closed.")));
  EXPECT_EQ(s.engine.Explain("en", s.now).state, "waiting") << "it keeps waiting";
  // A restart in the same closed spell does not answer again (the core gives the time it was sent).
  WorkItem en = s.items.at("en");
  s.engine.Close("en", s.now);
  en.after_hours_reply_at = Berlin("2025-03-28 18:30");
  s.engine.Enqueue(en, s.now);
  s.Settle();
  EXPECT_EQ(Replies(s).size(), 3u);

  // Monday: open, nothing more; at 18:00 it closes on the conversations still waiting.
  s.Wait(Berlin("2025-03-31 17:59") - s.now, 1min);
  EXPECT_EQ(Replies(s).size(), 3u);
  s.Wait(2min, 1min);
  Pairs replies = Replies(s);
  ASSERT_EQ(replies.size(), 6u) << "a new closed spell: each waiting conversation answered once more";
  std::sort(replies.begin() + 3, replies.end());
  EXPECT_EQ(replies[3].first, "de");
  EXPECT_EQ(replies[4].first, "en");
  EXPECT_EQ(replies[5].first, "in_hours");

  // Keep waiting means waiting for an agent: one who logs in after hours is offered them.
  s.Login({.id = "night_owl", .languages = "en,de", .chat = 5});
  EXPECT_EQ(s.OfferedTo("en"), "night_owl");
  EXPECT_EQ(s.OfferedTo("in_hours"), "night_owl");
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

TEST(BusinessHoursTest, ACallOverflowsToAQueueThatIsOpenOnceItOpens) {
  Scenario s(AfterHoursPolicy());
  s.now = Berlin("2025-03-28 18:30");
  s.Arrive({.id = "call", .channel = omnibroker::v1::CHANNEL_VOICE, .queue = "billing"});
  EXPECT_TRUE(s.Decisions(Decision::Kind::kOverflow).empty()) << "support opens at 20:00";
  EXPECT_TRUE(Replies(s).empty()) << "calls overflow, they are not answered with a message";
  s.Wait(Berlin("2025-03-28 19:59") - s.now, 1min);
  EXPECT_TRUE(s.Decisions(Decision::Kind::kOverflow).empty());
  s.Wait(1min, 1min);
  auto overflows = s.Decisions(Decision::Kind::kOverflow);
  ASSERT_EQ(overflows.size(), 1u);
  EXPECT_EQ(overflows[0].conversation_id, "call");
  EXPECT_EQ(overflows[0].queue, "support");
  EXPECT_EQ(overflows[0].reason, "office") << "the calendar that closed billing";

  // The core moves it: routed in support from then on, its place kept.
  s.Login({.id = "support_agent", .chat = 0, .voice = 1});
  EXPECT_EQ(s.OfferedTo("call"), "support_agent") << "keep waiting routes as usual";
  EXPECT_FALSE(s.engine.OverflowTo("call", {.queue = "support"}, s.now).ok()) << "offered: not waiting";
  s.Decline("call");  // waiting again in billing, still closed: the overflow is decided again
  EXPECT_EQ(s.Decisions(Decision::Kind::kOverflow).size(), 2u);
  s.SetPresence("support_agent", omnibroker::v1::PRESENCE_AWAY);
  ASSERT_TRUE(s.engine.OverflowTo("call", {.queue = "support", .tier = TIER_STANDARD}, s.now).ok());
  s.Settle();
  const auto why = s.engine.Explain("call", s.now);
  EXPECT_EQ(why.hours, "evening (Europe/Berlin): open until 2025-03-28 23:00 CET; after hours: keep waiting");
  EXPECT_EQ(s.engine.Queue().at(0).item.queue, "support");
  EXPECT_EQ(s.engine.Queue().at(0).item.queued_at, Berlin("2025-03-28 18:30")) << "its place is kept";
  s.Wait(Berlin("2025-03-28 23:30") - s.now, 1min);
  EXPECT_EQ(s.Decisions(Decision::Kind::kOverflow).size(), 2u) << "support keeps waiting conversations";
}

}  // namespace
}  // namespace omni::routing
