// Calendar: a queue's opening hours — weekly ranges in an IANA time zone, holidays and special
// days — and the business-time arithmetic service-level deadlines count in. Pure: no clock, no
// I/O beyond the time zone database absl reads once when a calendar is made (Debian's tzdata,
// /usr/share/zoneinfo). Immutable once made, so copies are shared freely between threads.
//
// Local times map to instants as absl does: a range that begins in the hour skipped when clocks
// go forward begins at the first instant after the gap; one in the hour repeated when they go
// back begins at its first occurrence. Business time is elapsed time inside the ranges, so a
// range 00:00-06:00 holds 5 hours on the last Sunday of March in Europe/Berlin and 7 on the last
// Sunday of October.
#pragma once

#include <array>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/clock.h"

namespace omni::routing {

// Minutes after local midnight, [begin, end): 0 <= begin < end <= 24 * 60.
struct TimeRange {
  int begin = 0;
  int end = 0;
  bool operator==(const TimeRange&) const = default;
};

// A calendar as configured. weekly[0] is Monday, weekly[6] Sunday (absl::Weekday's order).
struct CalendarSpec {
  std::string name;
  std::string time_zone = "UTC";
  std::array<std::vector<TimeRange>, 7> weekly;
  std::set<absl::CivilDay> holidays;                            // closed all day
  std::map<absl::CivilDay, std::vector<TimeRange>> special_days;  // other hours; none = closed
  bool operator==(const CalendarSpec&) const = default;
};

// "09:00-17:30" (also "9:00-17:30"; "24:00" as an end); the error names `field`.
absl::StatusOr<TimeRange> ParseTimeRange(std::string_view text, const std::string& field);
std::string FormatTimeRange(const TimeRange& range);
// "mon".."sun" or "monday".."sunday", any case: 0 (Monday) to 6 (Sunday).
absl::StatusOr<int> ParseWeekday(std::string_view text, const std::string& field);
const char* WeekdayName(int weekday);  // "mon".."sun"
// "2025-12-25".
absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, const std::string& field);

class Calendar {
 public:
  // Open all the time: the calendar of a queue that names none.
  Calendar();
  // Checks the spec: a time zone absl knows, ranges not inverted and not overlapping on a day,
  // at least one weekly range (a calendar never open would never let a deadline fall due), no
  // date both a holiday and a special day. Errors name `field` ("routing.calendars.office") and
  // the part that is wrong.
  static absl::StatusOr<Calendar> Create(CalendarSpec spec, const std::string& field);

  const CalendarSpec& spec() const { return spec_; }
  // "" for the 24/7 calendar.
  const std::string& name() const { return spec_.name; }
  bool always_open() const { return always_open_; }
  const absl::TimeZone& zone() const { return zone_; }

  bool IsOpen(TimePoint t) const;
  // The first instant at or after `t` when the calendar is open (`t` itself when open).
  TimePoint NextOpen(TimePoint t) const;
  // The first instant at or after `t` when it is closed (`t` itself when closed; ranges that
  // touch, as 18:00-24:00 and 00:00-06:00 the next day, are one open spell). TimePoint::max()
  // for the 24/7 calendar.
  TimePoint NextClose(TimePoint t) const;
  // The instant when `duration` of open time has passed since `start`: a 2 h deadline set at
  // 17:30 on a Friday, open 09:00-18:00 on weekdays, falls due at 10:30 on Monday. A zero
  // duration is `start`; a duration that ends exactly at a closing time ends there.
  TimePoint AddBusinessTime(TimePoint start, Duration duration) const;
  // The open time in [a, b); zero when b <= a.
  Duration BusinessTimeBetween(TimePoint a, TimePoint b) const;
  // "2025-03-31 09:00 CEST", in the calendar's zone.
  std::string FormatLocal(TimePoint t) const;
  // "office (Europe/Berlin)"; "24/7" for the calendar of a queue that names none.
  std::string Label() const;

  bool operator==(const Calendar& other) const { return spec_ == other.spec_ && always_open_ == other.always_open_; }

 private:
  explicit Calendar(CalendarSpec spec, absl::TimeZone zone);
  // The open intervals of `day`, as instants, in order.
  std::vector<std::pair<TimePoint, TimePoint>> IntervalsOf(absl::CivilDay day) const;
  const std::vector<TimeRange>& RangesOf(absl::CivilDay day) const;
  absl::CivilDay DayOf(TimePoint t) const;
  // The last day a search must look at from `from`: a week past both `from` and the last date
  // with hours of its own (a holiday, a special day), since the weekly hours repeat after it.
  absl::CivilDay SearchEnd(absl::CivilDay from) const;

  CalendarSpec spec_;
  absl::TimeZone zone_;
  bool always_open_ = true;
  absl::CivilDay last_exception_;
};

}  // namespace omni::routing
