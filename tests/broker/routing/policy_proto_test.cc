// The routing policy as configured (omnibroker.v1.RoutingPolicy, the config file's and Admin's
// form) merged into the engine's: what a change leaves out keeps its value, and what is wrong is
// refused naming the field.
#include "broker/routing/policy_proto.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace omni::routing {
namespace {

using omnibroker::v1::CHANNEL_CHAT;
using omnibroker::v1::CHANNEL_MESSENGER;
using omnibroker::v1::CHANNEL_UNSPECIFIED;

omnibroker::v1::RoutingPolicy Parse(const std::string& json) {
  omnibroker::v1::RoutingPolicy proto;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &proto);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return proto;
}

TEST(PolicyProtoTest, AChannelChangeThatLeavesOutTheCapacityPoolKeepsIt) {
  const RoutingPolicy base = DefaultRoutingPolicy();
  ASSERT_EQ(base.PoolOf(CHANNEL_MESSENGER), CHANNEL_CHAT);
  auto merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_MESSENGER", "effort_weight": 2}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->PoolOf(CHANNEL_MESSENGER), CHANNEL_CHAT) << "messengers still share chat units";
  EXPECT_EQ(merged->ForChannel(CHANNEL_MESSENGER).effort_weight, 2);

  merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_MESSENGER", "capacity_pool": "CHANNEL_UNSPECIFIED"}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->PoolOf(CHANNEL_MESSENGER), CHANNEL_MESSENGER) << "named unspecified: its own units";
  EXPECT_EQ(merged->ForChannel(CHANNEL_MESSENGER).capacity_pool, CHANNEL_UNSPECIFIED);
}

TEST(PolicyProtoTest, AChannelsReplyTimeoutIsItsOwnOrThePolicys) {
  const RoutingPolicy base = DefaultRoutingPolicy();
  EXPECT_EQ(base.ReplyTimeout(CHANNEL_CHAT), base.reply_timeout);
  EXPECT_EQ(base.ReplyTimeout(omnibroker::v1::CHANNEL_EMAIL), 30min) << "an email takes longer to write";
  auto merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_CHAT", "reply_timeout": "90s"}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->ReplyTimeout(CHANNEL_CHAT), 90s);
  auto again = MergePolicy(DefaultRoutingPolicy(), PolicyToProto(*merged));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ReplyTimeout(CHANNEL_CHAT), 90s) << "the policy says of itself what merges back";
  auto negative = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_CHAT", "reply_timeout": "-1s"}]})"));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(), "channels.CHANNEL_CHAT.reply_timeout must not be negative");
}

TEST(PolicyProtoTest, TheQualityPolicyIsPartOfTheRoutingPolicy) {
  auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(R"({"offer_timeout": "30s", "quality": {
      "scorecards": [{"name": "support", "criteria": [{"name": "greeting", "weight": 1}]}],
      "thresholds": {"last_reviews": 3}}})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->quality.ScorecardFor("billing")->name(), "support");
  EXPECT_EQ(merged->quality.thresholds.last_reviews, 3);
  EXPECT_EQ(merged->quality.sampling.share, 0.05) << "kept";
  const auto proto = PolicyToProto(*merged);
  ASSERT_EQ(proto.quality().scorecards_size(), 1);
  EXPECT_EQ(proto.quality().thresholds().last_reviews(), 3);
  EXPECT_EQ(proto.quality().sampling().share(), 0.05) << "spelled out";

  auto kept = MergePolicy(*merged, Parse(R"({"offer_timeout": "40s"})"));
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->quality.scorecards.size(), 1u) << "a change that names no quality keeps it";

  auto wrong = MergePolicy(*merged, Parse(R"({"quality": {"thresholds": {"last_reviews": 0}}})"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "routing.quality.thresholds.last_reviews: 1 to 50, got 0");
}

TEST(PolicyProtoTest, QueueRulesMergeQueueByQueue) {
  auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(R"({"queues": [
      {"queue": "billing", "steps": [{"skills": [{"skill": "billing", "min_proficiency": 7}], "wait_seconds": 120},
                                     {"skills": [{"skill": "billing", "min_proficiency": 1}], "language": "*"}]}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->queues.at("billing").size(), 2u);
  EXPECT_EQ(merged->queues.at("billing")[1].language(), "*");

  auto more = MergePolicy(*merged, Parse(R"({"queues": [{"queue": "sales", "steps": [{"language": "de"}]}]})"));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->queues.size(), 2u) << "billing is kept";

  auto removed = MergePolicy(*more, Parse(R"({"queues": [{"queue": "billing"}]})"));
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_FALSE(removed->queues.contains("billing"));
  EXPECT_TRUE(removed->queues.contains("sales"));

  // What the policy says of itself merges back to the same rules (omnictl policy, then set).
  auto again = MergePolicy(DefaultRoutingPolicy(), PolicyToProto(*more));
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->queues.size(), 2u);
  EXPECT_EQ(again->queues.at("billing")[0].wait_seconds(), 120);
  EXPECT_EQ(again->queues.at("billing")[0].skills(0).min_proficiency(), 7);
}

TEST(PolicyProtoTest, BadQueueRulesAreRefusedNamingTheField) {
  const struct {
    const char* json;
    const char* error;  // a part of the message
  } cases[] = {
      {R"({"queues": [{"steps": [{"language": "de"}]}]})", "routing.queues[].queue: name the queue"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"skill": "billing", "min_proficiency": 11}]}]}]})",
       "routing.queues.billing.steps[0].skills[0] billing: min_proficiency must be 1–10, got 11"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"skill": "billing"}]}]}]})",
       "min_proficiency must be 1–10, got 0"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"min_proficiency": 3}]}]}]})",
       "routing.queues.billing.steps[0].skills[0]: name the skill"},
      {R"({"queues": [{"queue": "q", "steps": [{}, {"skills": [{"skill": "a", "min_proficiency": 3},
                                                                 {"skill": "a", "min_proficiency": 5}]}]}]})",
       "routing.queues.q.steps[1].skills: a is named twice"},
      {R"({"queues": [{"queue": "q", "steps": [{"language": "english please"}]}]})",
       "routing.queues.q.steps[0].language: \"english please\" is not"},
      {R"({"queues": [{"queue": "q", "steps": [{"language": "en-"}]}]})", "language: \"en-\" is not"},
      {R"({"queues": [{"queue": "q", "steps": [{"wait_seconds": -5}]}]})",
       "routing.queues.q.steps[0].wait_seconds must not be negative, got -5"},
  };
  for (const auto& c : cases) {
    auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(c.json));
    ASSERT_FALSE(merged.ok()) << c.json;
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(merged.status().message().find(c.error), absl::string_view::npos)
        << c.json << " -> " << merged.status().message();
  }
  for (const char* good : {"en", "pt-BR", "zh-Hant", "*", ""}) {
    omnibroker::v1::RoutingPolicy proto;
    auto* rule = proto.add_queues();
    rule->set_queue("q");
    rule->add_steps()->set_language(good);
    EXPECT_TRUE(MergePolicy(DefaultRoutingPolicy(), proto).ok()) << good;
  }
}

constexpr char kOffice[] = R"({"calendars": [{"name": "office", "time_zone": "Europe/Berlin",
      "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["09:00-12:30", "13:30-18:00"]},
                 {"days": ["sat"], "hours": ["10:00-14:00"]}],
      "holidays": ["2025-12-25", "2025-12-26"],
      "special_days": [{"date": "2025-12-24", "hours": ["09:00-12:00"]}, {"date": "2025-12-31"}]}],
    "queue_hours": [{"queue": "billing", "calendar": "office", "after_hours": [
      {"action": "AFTER_HOURS_AUTO_REPLY", "messages": {"en": "We are closed", "de": "Wir haben geschlossen"}},
      {"channel": "CHANNEL_VOICE", "action": "AFTER_HOURS_OVERFLOW", "overflow_queue": "support"}]}],
    "tiers": [{"tier": "TIER_STANDARD", "business_time": true}]})";

TEST(PolicyProtoTest, CalendarsAndQueueHoursMergeAndSayThemselvesBack) {
  auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(kOffice));
  ASSERT_TRUE(merged.ok()) << merged.status();
  const Calendar& office = merged->CalendarOf("billing");
  EXPECT_EQ(office.name(), "office");
  EXPECT_EQ(office.spec().weekly[0].size(), 2u);
  EXPECT_EQ(office.spec().weekly[5].size(), 1u) << "Saturday";
  EXPECT_TRUE(office.spec().weekly[6].empty()) << "Sunday";
  EXPECT_TRUE(office.spec().holidays.contains(absl::CivilDay(2025, 12, 25)));
  EXPECT_TRUE(office.spec().special_days.at(absl::CivilDay(2025, 12, 31)).empty()) << "closed all day";
  EXPECT_TRUE(merged->CalendarOf("sales").always_open()) << "a queue without hours is open 24/7";
  EXPECT_TRUE(merged->ForTier(omnibroker::v1::TIER_STANDARD).business_time);
  EXPECT_FALSE(merged->ForTier(omnibroker::v1::TIER_VIP).business_time) << "the default";
  const QueueHours& hours = merged->queue_hours.at("billing");
  EXPECT_EQ(hours.RuleFor(omnibroker::v1::CHANNEL_VOICE).action, AfterHoursAction::kOverflow);
  EXPECT_EQ(hours.RuleFor(omnibroker::v1::CHANNEL_VOICE).overflow_queue, "support");
  const AfterHoursRule& chat = hours.RuleFor(CHANNEL_CHAT);
  EXPECT_EQ(chat.action, AfterHoursAction::kAutoReply) << "the rule for every other channel";
  EXPECT_EQ(chat.MessageFor("de-AT", "en"), "Wir haben geschlossen") << "by primary language";
  EXPECT_EQ(chat.MessageFor("fr", "en"), "We are closed") << "else the default language's";
  EXPECT_EQ(QueueHours{}.RuleFor(CHANNEL_CHAT).action, AfterHoursAction::kKeepWaiting) << "the default rule";

  // What the policy says of itself merges back to the same (omnictl policy, then policy set).
  auto again = MergePolicy(DefaultRoutingPolicy(), PolicyToProto(*merged));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->calendars, merged->calendars);
  EXPECT_EQ(again->queue_hours, merged->queue_hours);
  EXPECT_TRUE(again->ForTier(omnibroker::v1::TIER_STANDARD).business_time);

  // A calendar given again replaces it whole; one given by its name alone is removed, once no
  // queue names it.
  auto replaced = MergePolicy(*merged, Parse(R"({"calendars": [{"name": "office", "time_zone": "UTC",
      "weekly": [{"days": ["sun"], "hours": ["00:00-24:00"]}]}]})"));
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_TRUE(replaced->calendars.at("office").spec().holidays.empty());
  auto still_named = MergePolicy(*merged, Parse(R"({"calendars": [{"name": "office"}]})"));
  ASSERT_FALSE(still_named.ok());
  EXPECT_NE(still_named.status().message().find("routing.queue_hours.billing.calendar: no calendar \"office\""),
            absl::string_view::npos) << still_named.status();
  auto removed = MergePolicy(*merged, Parse(R"({"queue_hours": [{"queue": "billing"}], "calendars": [{"name": "office"}]})"));
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(removed->calendars.empty());
  EXPECT_TRUE(removed->queue_hours.empty());
}

TEST(PolicyProtoTest, BadCalendarsAndAfterHoursRulesAreRefusedNamingTheField) {
  auto calendar = [](const std::string& fields) {
    return R"({"calendars": [{"name": "office", )" + fields + "}]}";
  };
  const std::string week = R"("time_zone": "Europe/Berlin", "weekly": [{"days": ["mon"], "hours": ["09:00-17:00"]}])";
  auto queue = [&](const std::string& fields) {
    return R"({"calendars": [{"name": "office", )" + week + R"(}], "queue_hours": [{"queue": "billing", )" + fields + "}]}";
  };
  const struct {
    std::string json;
    const char* error;  // a part of the message
  } cases[] = {
      {calendar(R"("time_zone": "Europe/Berlim", "weekly": [{"days": ["mon"], "hours": ["09:00-17:00"]}])"),
       "routing.calendars.office.time_zone: \"Europe/Berlim\" is not a time zone of the IANA database"},
      {calendar(R"("weekly": [{"days": ["mon"], "hours": ["09:00-17:00"]}])"), "routing.calendars.office.time_zone"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"days": ["mon"], "hours": ["09:00-12:00", "11:30-17:00"]}])"),
       "routing.calendars.office.weekly.mon: 09:00-12:00 and 11:30-17:00 overlap"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"days": ["mon", "tue"], "hours": ["09:00-17:00"]},
                                                  {"days": ["tue"], "hours": ["16:00-20:00"]}])"),
       "routing.calendars.office.weekly.tue: 09:00-17:00 and 16:00-20:00 overlap"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"days": ["mon"], "hours": ["18:00-09:00"]}])"),
       "routing.calendars.office.weekly[0].hours[0]: \"18:00-09:00\" ends before it begins"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"days": ["mon"], "hours": ["9 to 5"]}])"),
       "routing.calendars.office.weekly[0].hours[0]: \"9 to 5\" is not a range of local times"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"days": ["mon", "moon"], "hours": ["09:00-17:00"]}])"),
       "routing.calendars.office.weekly[0].days[1]: \"moon\" is not a weekday"},
      {calendar(R"("time_zone": "UTC", "weekly": [{"hours": ["09:00-17:00"]}])"),
       "routing.calendars.office.weekly[0].days: name the days"},
      {calendar(R"("time_zone": "UTC", "holidays": ["2025-12-25"])"),
       "routing.calendars.office.weekly: give the opening hours"},
      {calendar(week + R"(, "holidays": ["25/12/2025"])"),
       "routing.calendars.office.holidays[0]: \"25/12/2025\" is not a date"},
      {calendar(week + R"(, "special_days": [{"date": "2025-12-24", "hours": ["09:00-13:00", "12:00-14:00"]}])"),
       "routing.calendars.office.special_days.2025-12-24: 09:00-13:00 and 12:00-14:00 overlap"},
      {calendar(week + R"(, "holidays": ["2025-12-24"], "special_days": [{"date": "2025-12-24", "hours": ["09:00-12:00"]}])"),
       "routing.calendars.office.special_days.2025-12-24: is also a holiday"},
      {R"({"calendars": [{"time_zone": "UTC"}]})", "routing.calendars[].name: name the calendar"},
      {queue(R"("calendar": "ofice")"), "routing.queue_hours.billing.calendar: no calendar \"ofice\" (known: office)"},
      {R"({"queue_hours": [{"calendar": "office"}]})", "routing.queue_hours[].queue: name the queue"},
      {queue(R"("calendar": "office", "after_hours": [{"action": "AFTER_HOURS_OVERFLOW"}])"),
       "routing.queue_hours.billing.after_hours[0].overflow_queue: name the queue to overflow to"},
      {queue(R"("calendar": "office", "after_hours": [{"action": "AFTER_HOURS_OVERFLOW", "overflow_queue": "billing"}])"),
       "routing.queue_hours.billing.after_hours[0].overflow_queue: \"billing\" cannot overflow to itself"},
      {queue(R"("calendar": "office", "after_hours": [{"action": "AFTER_HOURS_AUTO_REPLY", "messages": {"de": "Geschlossen"}}])"),
       "routing.queue_hours.billing.after_hours[0].messages: give one in the default language (en)"},
      {queue(R"("calendar": "office", "after_hours": [{"action": "AFTER_HOURS_AUTO_REPLY", "messages": {"english": "Closed"}}])"),
       "routing.queue_hours.billing.after_hours[0].messages.english: not a language tag"},
      {queue(R"("calendar": "office", "after_hours": [{"action": "AFTER_HOURS_AUTO_REPLY", "messages": {"en": ""}}])"),
       "routing.queue_hours.billing.after_hours[0].messages.en: the text is empty"},
      {queue(R"("calendar": "office", "after_hours": [{"messages": {"en": "Closed"}}])"),
       "routing.queue_hours.billing.after_hours[0].messages: only for the action AFTER_HOURS_AUTO_REPLY"},
      {queue(R"("calendar": "office", "after_hours": [{"channel": "CHANNEL_CHAT"}, {"channel": "CHANNEL_CHAT"}])"),
       "routing.queue_hours.billing.after_hours[1].channel: CHANNEL_CHAT has a rule already"},
  };
  for (const auto& c : cases) {
    auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(c.json));
    ASSERT_FALSE(merged.ok()) << c.json;
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(merged.status().message().find(c.error), absl::string_view::npos)
        << c.json << " -> " << merged.status().message();
  }
}

}  // namespace
}  // namespace omni::routing
