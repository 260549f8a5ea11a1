// RoutingEngine: business hours. The calendar a conversation's deadlines count in (its queue's,
// when its tier counts business time) and how its queue's hours read in an explanation.
#include "absl/strings/str_cat.h"
#include "broker/routing/routing_engine.h"

namespace omni::routing {

const Calendar* RoutingEngine::DeadlineCalendar(const Conv& conv) const {
  if (!policy_.ForTier(conv.tier).business_time) return nullptr;
  const Calendar& calendar = policy_.CalendarOf(conv.queue);
  return calendar.always_open() ? nullptr : &calendar;  // 24/7: business time is wall time
}

TimePoint RoutingEngine::DueAfter(const Conv& conv, TimePoint from, Duration length) const {
  const Calendar* calendar = DeadlineCalendar(conv);
  return calendar == nullptr ? from + length : calendar->AddBusinessTime(from, length);
}

Duration RoutingEngine::DeadlineTimeBetween(const Conv& conv, TimePoint from, TimePoint to) const {
  const Calendar* calendar = DeadlineCalendar(conv);
  return calendar == nullptr ? to - from : calendar->BusinessTimeBetween(from, to);
}

std::string RoutingEngine::HoursText(const Conv& conv, TimePoint now) const {
  const QueueHours* hours = policy_.HoursOf(conv.queue);
  if (hours == nullptr) return "";
  const Calendar& calendar = policy_.CalendarOf(conv.queue);
  std::string out = calendar.Label();
  if (const TimePoint closes = calendar.NextClose(now); closes == TimePoint::max()) {
    absl::StrAppend(&out, ": open around the clock");
  } else if (closes > now) {
    absl::StrAppend(&out, ": open until ", calendar.FormatLocal(closes));
  } else {
    absl::StrAppend(&out, ": closed until ", calendar.FormatLocal(calendar.NextOpen(now)));
  }
  const AfterHoursRule& rule = hours->RuleFor(conv.channel);
  switch (rule.action) {
    case AfterHoursAction::kKeepWaiting:
      absl::StrAppend(&out, "; after hours: keep waiting");
      break;
    case AfterHoursAction::kOverflow:
      absl::StrAppend(&out, "; after hours: overflow to ", rule.overflow_queue, " when it is open");
      break;
    case AfterHoursAction::kAutoReply:
      absl::StrAppend(&out, "; after hours: auto reply, keep waiting");
      break;
  }
  return out;
}

std::optional<TimePoint> RoutingEngine::AfterHours(Conv& conv, const QueueHours& hours, TimePoint now) {
  const AfterHoursRule& rule = hours.RuleFor(conv.channel);
  if (rule.action == AfterHoursAction::kKeepWaiting) return std::nullopt;
  const Calendar& calendar = policy_.CalendarOf(conv.queue);
  if (calendar.IsOpen(now)) return calendar.NextClose(now);
  const TimePoint opens = calendar.NextOpen(now);
  if (rule.action == AfterHoursAction::kAutoReply) {
    // One answer per closed spell: one sent earlier in this spell saw the same next opening.
    const auto& sent = conv.after_hours_reply_at;
    if (!sent || calendar.IsOpen(*sent) || calendar.NextOpen(*sent) != opens) {
      conv.after_hours_reply_at = now;
      Emit(Decision{.kind = Decision::Kind::kAfterHoursReply, .conversation_id = std::string(conv.id()), .at = now,
                    .reason = calendar.name(),
                    .text = rule.MessageFor(symbols_.Name(conv.language), policy_.default_language)});
    }
    return opens;
  }
  const Calendar& target = policy_.CalendarOf(rule.overflow_queue);
  if (target.IsOpen(now)) {
    // The core moves it (OverflowTo); until then it waits here, and a repeat finds it moved.
    Emit(Decision{.kind = Decision::Kind::kOverflow, .conversation_id = std::string(conv.id()), .at = now,
                  .reason = calendar.name(), .queue = rule.overflow_queue});
    return std::nullopt;
  }
  return std::min(opens, target.NextOpen(now));
}

}  // namespace omni::routing
