#include "broker/routing/calendar.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/strings.h"

namespace omni::routing {
namespace {

constexpr int kDayMinutes = 24 * 60;
constexpr const char* kWeekdays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr const char* kWeekdayNames[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

TimePoint ToTimePoint(absl::Time t) {
  return std::chrono::time_point_cast<Duration>(absl::ToChronoTime(t));
}

// "HH:MM" as minutes after midnight, 0 to 24:00; -1 when it is not one.
int ParseClock(std::string_view text) {
  const size_t colon = text.find(':');
  int hours = 0, minutes = 0;
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() - colon != 3 ||
      !absl::SimpleAtoi(ToAbsl(text.substr(0, colon)), &hours) ||
      !absl::SimpleAtoi(ToAbsl(text.substr(colon + 1)), &minutes) || hours < 0 || hours > 24 || minutes < 0 ||
      minutes > 59 || (hours == 24 && minutes != 0)) {
    return -1;
  }
  return hours * 60 + minutes;
}

absl::Status CheckRanges(std::vector<TimeRange>& ranges, const std::string& field) {
  for (const TimeRange& r : ranges) {
    if (r.begin < 0 || r.end > kDayMinutes || r.begin >= r.end) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": ", FormatTimeRange(r), " ends before it begins (ranges are within a day; end at 24:00)"));
    }
  }
  std::sort(ranges.begin(), ranges.end(), [](const TimeRange& a, const TimeRange& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].begin < ranges[i - 1].end) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": ", FormatTimeRange(ranges[i - 1]), " and ",
                                                     FormatTimeRange(ranges[i]), " overlap"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TimeRange> ParseTimeRange(std::string_view text, const std::string& field) {
  const size_t dash = text.find('-');
  const TimeRange range{.begin = dash == std::string_view::npos ? -1 : ParseClock(text.substr(0, dash)),
                        .end = dash == std::string_view::npos ? -1 : ParseClock(text.substr(dash + 1))};
  if (range.begin < 0 || range.end < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", std::string(text), "\" is not a range of local times (\"09:00-17:30\")"));
  }
  if (range.begin >= range.end) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": \"", std::string(text),
                                                   "\" ends before it begins (ranges are within a day; end at 24:00)"));
  }
  return range;
}

std::string FormatTimeRange(const TimeRange& range) {
  return absl::StrFormat("%02d:%02d-%02d:%02d", range.begin / 60, range.begin % 60, range.end / 60, range.end % 60);
}

absl::StatusOr<int> ParseWeekday(std::string_view text, const std::string& field) {
  const std::string lower = absl::AsciiStrToLower(ToAbsl(text));
  for (int i = 0; i < 7; ++i) {
    if (lower == kWeekdays[i] || lower == kWeekdayNames[i]) return i;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": \"", std::string(text), "\" is not a weekday (mon, tue, wed, thu, fri, sat, sun)"));
}

const char* WeekdayName(int weekday) { return kWeekdays[weekday]; }

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, const std::string& field) {
  absl::CivilDay day;
  // ParseCivilTime normalizes ("2025-02-30" becomes March 2nd): a date must read back the same.
  if (!absl::ParseCivilTime(ToAbsl(text), &day) || absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": \"", std::string(text), "\" is not a date (2025-12-25)"));
  }
  return day;
}

Calendar::Calendar() = default;

Calendar::Calendar(CalendarSpec spec, absl::TimeZone zone)
    : spec_(std::move(spec)), zone_(zone), always_open_(false) {
  for (const auto& day : spec_.holidays) last_exception_ = std::max(last_exception_, day);
  for (const auto& [day, ranges] : spec_.special_days) last_exception_ = std::max(last_exception_, day);
}

absl::StatusOr<Calendar> Calendar::Create(CalendarSpec spec, const std::string& field) {
  if (spec.name.empty()) return absl::InvalidArgumentError(field + ".name: name the calendar");
  absl::TimeZone zone;
  if (spec.time_zone.empty() || !absl::LoadTimeZone(spec.time_zone, &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".time_zone: \"", spec.time_zone,
        "\" is not a time zone of the IANA database (\"Europe/Berlin\", \"UTC\"; Debian's package tzdata)"));
  }
  bool open_some_day = false;
  for (int day = 0; day < 7; ++day) {
    if (auto s = CheckRanges(spec.weekly[day], absl::StrCat(field, ".weekly.", kWeekdays[day])); !s.ok()) return s;
    open_some_day |= !spec.weekly[day].empty();
  }
  if (!open_some_day) {
    return absl::InvalidArgumentError(field + ".weekly: give the opening hours (a calendar never open would never let a deadline fall due)");
  }
  for (auto& [day, ranges] : spec.special_days) {
    const std::string at = absl::StrCat(field, ".special_days.", absl::FormatCivilTime(day));
    if (spec.holidays.contains(day)) return absl::InvalidArgumentError(at + ": is also a holiday");
    if (auto s = CheckRanges(ranges, at); !s.ok()) return s;
  }
  return Calendar(std::move(spec), zone);
}

absl::CivilDay Calendar::DayOf(TimePoint t) const {
  return absl::CivilDay(absl::ToCivilSecond(absl::FromChrono(t), zone_));
}

absl::CivilDay Calendar::SearchEnd(absl::CivilDay from) const { return std::max(from, last_exception_) + 8; }

const std::vector<TimeRange>& Calendar::RangesOf(absl::CivilDay day) const {
  static const std::vector<TimeRange> kClosed;
  if (spec_.holidays.contains(day)) return kClosed;
  if (auto it = spec_.special_days.find(day); it != spec_.special_days.end()) return it->second;
  return spec_.weekly[static_cast<int>(absl::GetWeekday(day))];
}

std::vector<std::pair<TimePoint, TimePoint>> Calendar::IntervalsOf(absl::CivilDay day) const {
  std::vector<std::pair<TimePoint, TimePoint>> out;
  const absl::CivilMinute midnight(day);
  for (const TimeRange& r : RangesOf(day)) {
    TimePoint begin = ToTimePoint(absl::FromCivil(midnight + r.begin, zone_));
    const TimePoint end = ToTimePoint(absl::FromCivil(midnight + r.end, zone_));
    // Two ranges in the hour skipped when clocks go forward may map onto each other.
    if (!out.empty()) begin = std::max(begin, out.back().second);
    if (begin < end) out.emplace_back(begin, end);
  }
  return out;
}

bool Calendar::IsOpen(TimePoint t) const {
  if (always_open_) return true;
  for (const auto& [begin, end] : IntervalsOf(DayOf(t))) {
    if (begin <= t && t < end) return true;
  }
  return false;
}

TimePoint Calendar::NextOpen(TimePoint t) const {
  if (always_open_) return t;
  const absl::CivilDay first = DayOf(t);
  for (absl::CivilDay day = first; day <= SearchEnd(first); ++day) {
    for (const auto& [begin, end] : IntervalsOf(day)) {
      if (t < end) return std::max(t, begin);
    }
  }
  return TimePoint::max();  // unreachable: Create refuses a calendar without weekly hours
}

TimePoint Calendar::NextClose(TimePoint t) const {
  if (always_open_) return TimePoint::max();
  TimePoint open_until = t;
  const absl::CivilDay first = DayOf(t);
  for (absl::CivilDay day = first; day <= SearchEnd(first); ++day) {
    for (const auto& [begin, end] : IntervalsOf(day)) {
      if (end <= open_until) continue;
      if (begin > open_until) return open_until;
      open_until = end;
    }
  }
  return TimePoint::max();  // open around the clock, every day
}

TimePoint Calendar::AddBusinessTime(TimePoint start, Duration duration) const {
  if (always_open_ || duration <= Duration::zero()) return start + duration;
  Duration left = duration;
  for (absl::CivilDay day = DayOf(start);; ++day) {
    for (const auto& [begin, end] : IntervalsOf(day)) {
      if (end <= start) continue;
      const TimePoint from = std::max(begin, start);
      if (left <= end - from) return from + left;
      left -= end - from;
    }
  }
}

Duration Calendar::BusinessTimeBetween(TimePoint a, TimePoint b) const {
  if (b <= a) return Duration::zero();
  if (always_open_) return b - a;
  Duration total{};
  const absl::CivilDay last = DayOf(b);
  for (absl::CivilDay day = DayOf(a); day <= last; ++day) {
    for (const auto& [begin, end] : IntervalsOf(day)) {
      const TimePoint from = std::max(begin, a), to = std::min(end, b);
      if (from < to) total += to - from;
    }
  }
  return total;
}

std::string Calendar::FormatLocal(TimePoint t) const {
  if (t == TimePoint::max()) return "never";
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", absl::FromChrono(t), zone_);
}

std::string Calendar::Label() const {
  return always_open_ ? "24/7" : absl::StrCat(spec_.name, " (", spec_.time_zone, ")");
}

}  // namespace omni::routing
