// Calendar: opening hours, holidays and business time in a time zone, across DST changes.
#include "broker/routing/calendar.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace omni::routing {
namespace {

using namespace std::chrono_literals;

// The instant of a local time ("2025-03-28 17:30") in `zone`.
TimePoint Local(const std::string& zone, const std::string& text) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz)) << zone;
  absl::CivilMinute minute;
  EXPECT_TRUE(absl::ParseCivilTime(text.substr(0, 10) + "T" + text.substr(11), &minute)) << text;
  return std::chrono::time_point_cast<Duration>(absl::ToChronoTime(absl::FromCivil(minute, tz)));
}

std::vector<TimeRange> Ranges(const std::vector<std::string>& texts) {
  std::vector<TimeRange> out;
  for (const auto& t : texts) out.push_back(*ParseTimeRange(t, "test"));
  return out;
}

// Weekdays 09:00-12:30 and 13:30-18:00 in Berlin; Christmas off, Christmas Eve until noon.
Calendar Office() {
  CalendarSpec spec{.name = "office", .time_zone = "Europe/Berlin"};
  for (int day = 0; day < 5; ++day) spec.weekly[day] = Ranges({"13:30-18:00", "09:00-12:30"});
  spec.holidays = {absl::CivilDay(2025, 12, 25), absl::CivilDay(2025, 12, 26)};
  spec.special_days[absl::CivilDay(2025, 12, 24)] = Ranges({"09:00-12:00"});
  auto calendar = Calendar::Create(spec, "routing.calendars.office");
  EXPECT_TRUE(calendar.ok()) << calendar.status();
  return *calendar;
}

// Every night 00:00-06:00 and 18:00-24:00 in Berlin: the ranges that contain DST changes.
Calendar Nights() {
  CalendarSpec spec{.name = "nights", .time_zone = "Europe/Berlin"};
  for (auto& day : spec.weekly) day = Ranges({"00:00-06:00", "18:00-24:00"});
  return *Calendar::Create(spec, "routing.calendars.nights");
}

TimePoint Berlin(const std::string& text) { return Local("Europe/Berlin", text); }

TEST(CalendarTest, FridayEveningDeadlineFallsDueOnMonday) {
  const Calendar office = Office();
  // 30 minutes on Friday, 90 on Monday; the clocks went forward on the Sunday between.
  const TimePoint due = office.AddBusinessTime(Berlin("2025-03-28 17:30"), 2h);
  EXPECT_EQ(due, Berlin("2025-03-31 10:30")) << office.FormatLocal(due);
  EXPECT_EQ(office.FormatLocal(due), "2025-03-31 10:30 CEST");
  EXPECT_EQ(due - Berlin("2025-03-28 17:30"), 64h) << "wall time: 65 local hours less the hour DST took";
  EXPECT_EQ(office.BusinessTimeBetween(Berlin("2025-03-28 17:30"), due), 2h);

  // With Saturday hours (docs/routing.md's example), the rest of it is Saturday's.
  CalendarSpec with_saturday = office.spec();
  with_saturday.weekly[5] = Ranges({"10:00-14:00"});
  EXPECT_EQ(Calendar::Create(with_saturday, "x")->AddBusinessTime(Berlin("2025-03-28 17:30"), 2h),
            Berlin("2025-03-29 11:30"));
}

TEST(CalendarTest, IsOpenAtTheEdgesOfRanges) {
  const Calendar office = Office();
  struct Case {
    const char* at;
    bool open;
  } cases[] = {
      {"2025-03-28 08:59", false}, {"2025-03-28 09:00", true},  {"2025-03-28 12:29", true},
      {"2025-03-28 12:30", false}, {"2025-03-28 13:30", true},  {"2025-03-28 17:59", true},
      {"2025-03-28 18:00", false}, {"2025-03-29 10:00", false},  // Saturday
      {"2025-12-24 11:00", true},  {"2025-12-24 14:00", false},  // Christmas Eve until noon
      {"2025-12-25 10:00", false}, {"2025-12-26 10:00", false},  // holidays
      {"2025-12-29 10:00", true},
  };
  for (const auto& c : cases) EXPECT_EQ(office.IsOpen(Berlin(c.at)), c.open) << c.at;
  EXPECT_FALSE(office.IsOpen(Berlin("2025-03-28 09:00") - 1s));
}

TEST(CalendarTest, NextOpenAndNextClose) {
  const Calendar office = Office();
  struct Case {
    const char* at;
    const char* next_open;
    const char* next_close;
  } cases[] = {
      {"2025-03-28 10:00", "2025-03-28 10:00", "2025-03-28 12:30"},
      {"2025-03-28 12:45", "2025-03-28 13:30", "2025-03-28 12:45"},
      {"2025-03-28 18:00", "2025-03-31 09:00", "2025-03-28 18:00"},
      {"2025-12-24 12:00", "2025-12-29 09:00", "2025-12-24 12:00"},  // holidays, then a weekend
  };
  for (const auto& c : cases) {
    EXPECT_EQ(office.NextOpen(Berlin(c.at)), Berlin(c.next_open)) << c.at;
    EXPECT_EQ(office.NextClose(Berlin(c.at)), Berlin(c.next_close)) << c.at;
  }
  // Ranges that touch at midnight are one open spell.
  EXPECT_EQ(Nights().NextClose(Berlin("2025-03-28 20:00")), Berlin("2025-03-29 06:00"));
}

TEST(CalendarTest, DaylightSavingChangesInBerlin) {
  const Calendar nights = Nights();
  // Last Sunday of March: 02:00 CET is 03:00 CEST, the night from midnight to six holds 5 hours.
  EXPECT_EQ(nights.BusinessTimeBetween(Berlin("2025-03-30 00:00"), Berlin("2025-03-30 06:00")), 5h);
  EXPECT_EQ(nights.AddBusinessTime(Berlin("2025-03-30 00:00"), 5h), Berlin("2025-03-30 06:00"));
  EXPECT_EQ(nights.AddBusinessTime(Berlin("2025-03-30 00:00"), 5h + 1min), Berlin("2025-03-30 18:01"));
  // Last Sunday of October: 03:00 CEST is 02:00 CET again, the same night holds 7 hours.
  EXPECT_EQ(nights.BusinessTimeBetween(Berlin("2025-10-26 00:00"), Berlin("2025-10-26 06:00")), 7h);
  EXPECT_EQ(nights.AddBusinessTime(Berlin("2025-10-26 00:00"), 7h), Berlin("2025-10-26 06:00"));
  EXPECT_EQ(nights.FormatLocal(nights.AddBusinessTime(Berlin("2025-10-26 00:00"), 150min)), "2025-10-26 02:30 CEST");
  EXPECT_EQ(nights.FormatLocal(nights.AddBusinessTime(Berlin("2025-10-26 00:00"), 210min)), "2025-10-26 02:30 CET");

  // A range that begins in the skipped hour begins when the clocks have gone forward.
  CalendarSpec spec{.name = "early", .time_zone = "Europe/Berlin"};
  for (auto& day : spec.weekly) day = Ranges({"02:00-04:00"});
  const Calendar early = *Calendar::Create(spec, "early");
  EXPECT_FALSE(early.IsOpen(Berlin("2025-03-30 01:59")));
  EXPECT_EQ(early.NextOpen(Berlin("2025-03-30 01:30")), Berlin("2025-03-30 03:00"));
  EXPECT_EQ(early.FormatLocal(early.NextOpen(Berlin("2025-03-30 01:30"))), "2025-03-30 03:00 CEST");
  EXPECT_EQ(early.BusinessTimeBetween(Berlin("2025-03-30 00:00"), Berlin("2025-03-31 00:00")), 1h);
  // One that holds the repeated hour holds it twice.
  EXPECT_EQ(early.BusinessTimeBetween(Berlin("2025-10-26 00:00"), Berlin("2025-10-27 00:00")), 3h);
}

TEST(CalendarTest, BusinessTimeBetweenUndoesAddBusinessTime) {
  const Calendar office = Office();
  const Calendar nights = Nights();
  const TimePoint starts[] = {Berlin("2025-03-27 08:00"), Berlin("2025-03-28 12:31"), Berlin("2025-03-29 23:00"),
                              Berlin("2025-10-25 17:00"), Berlin("2025-12-23 17:59")};
  const Duration durations[] = {0s, 1s, 29min, 2h, 8h, 48h};
  for (const Calendar* calendar : {&office, &nights}) {
    for (TimePoint start : starts) {
      for (Duration d : durations) {
        const TimePoint due = calendar->AddBusinessTime(start, d);
        EXPECT_GE(due, start + d) << "business time is never faster than the clock";
        EXPECT_EQ(calendar->BusinessTimeBetween(start, due), d)
            << calendar->name() << " from " << calendar->FormatLocal(start) << " + " << d.count();
        if (d > Duration::zero()) EXPECT_TRUE(calendar->IsOpen(due - 1s)) << "due inside open time";
      }
    }
  }
  EXPECT_EQ(office.BusinessTimeBetween(Berlin("2025-03-31 10:00"), Berlin("2025-03-31 09:00")), 0s);
}

TEST(CalendarTest, AlwaysOpenIsWallTime) {
  const Calendar always;
  const TimePoint t = Berlin("2025-03-30 01:00");
  EXPECT_TRUE(always.always_open());
  EXPECT_TRUE(always.IsOpen(t));
  EXPECT_EQ(always.NextOpen(t), t);
  EXPECT_EQ(always.NextClose(t), TimePoint::max());
  EXPECT_EQ(always.AddBusinessTime(t, 2h), t + 2h);
  EXPECT_EQ(always.BusinessTimeBetween(t, t + 5h), 5h);
  // Open around the clock by its weekly hours never closes either.
  CalendarSpec spec{.name = "all-day", .time_zone = "UTC"};
  for (auto& day : spec.weekly) day = Ranges({"00:00-24:00"});
  EXPECT_EQ(Calendar::Create(spec, "x")->NextClose(t), TimePoint::max());
}

TEST(CalendarTest, RefusesWhatIsWrongNamingTheField) {
  struct Case {
    const char* what;
    CalendarSpec spec;
    const char* error;
  };
  CalendarSpec base{.name = "office", .time_zone = "Europe/Berlin"};
  base.weekly[0] = Ranges({"09:00-17:00"});
  std::vector<Case> cases;
  cases.push_back({"zone", base, "routing.calendars.office.time_zone: \"Mars/Olympus\" is not a time zone"});
  cases.back().spec.time_zone = "Mars/Olympus";
  cases.push_back({"overlap", base, "routing.calendars.office.weekly.tue: 09:00-12:00 and 11:00-13:00 overlap"});
  cases.back().spec.weekly[1] = Ranges({"11:00-13:00", "09:00-12:00"});
  cases.push_back({"never open", CalendarSpec{.name = "office", .time_zone = "UTC"},
                   "routing.calendars.office.weekly: give the opening hours"});
  cases.push_back({"holiday and special", base, "routing.calendars.office.special_days.2025-12-24: is also a holiday"});
  cases.back().spec.holidays.insert(absl::CivilDay(2025, 12, 24));
  cases.back().spec.special_days[absl::CivilDay(2025, 12, 24)] = Ranges({"09:00-12:00"});
  cases.push_back({"special overlap", base, "routing.calendars.office.special_days.2025-12-31: 10:00-14:00 and 13:00-15:00 overlap"});
  cases.back().spec.special_days[absl::CivilDay(2025, 12, 31)] = Ranges({"10:00-14:00", "13:00-15:00"});
  cases.push_back({"inverted", base, "routing.calendars.office.weekly.mon: 18:00-09:00 ends before it begins"});
  cases.back().spec.weekly[0] = {TimeRange{.begin = 18 * 60, .end = 9 * 60}};
  for (const auto& c : cases) {
    auto made = Calendar::Create(c.spec, "routing.calendars.office");
    ASSERT_FALSE(made.ok()) << c.what;
    EXPECT_NE(made.status().message().find(c.error), std::string::npos) << c.what << ": " << made.status();
  }
  ASSERT_TRUE(Calendar::Create(base, "routing.calendars.office").ok());
}

TEST(CalendarTest, ParsesRangesDaysAndDates) {
  EXPECT_EQ(*ParseTimeRange("9:00-17:30", "f"), (TimeRange{9 * 60, 17 * 60 + 30}));
  EXPECT_EQ(*ParseTimeRange("18:00-24:00", "f"), (TimeRange{18 * 60, 24 * 60}));
  EXPECT_EQ(FormatTimeRange(*ParseTimeRange("9:05-17:30", "f")), "09:05-17:30");
  for (const char* bad : {"18:00-09:00", "09:00", "9-17", "09:00-24:30", "25:00-26:00", "09:60-10:00", "10:00-10:00"}) {
    auto range = ParseTimeRange(bad, "routing.calendars.office.weekly[0].hours[1]");
    ASSERT_FALSE(range.ok()) << bad;
    EXPECT_NE(range.status().message().find("routing.calendars.office.weekly[0].hours[1]: \""), std::string::npos)
        << range.status();
  }
  EXPECT_EQ(*ParseWeekday("Mon", "f"), 0);
  EXPECT_EQ(*ParseWeekday("sunday", "f"), 6);
  EXPECT_FALSE(ParseWeekday("funday", "f").ok());
  EXPECT_EQ(*ParseDate("2025-12-25", "f"), absl::CivilDay(2025, 12, 25));
  EXPECT_FALSE(ParseDate("2025-02-30", "f").ok()) << "no 30th of February";
  EXPECT_FALSE(ParseDate("25.12.2025", "f").ok());
}

}  // namespace
}  // namespace omni::routing
