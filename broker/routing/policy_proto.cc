#include "broker/routing/policy_proto.h"

#include "absl/strings/str_cat.h"
#include "base/time_util.h"

namespace omni::routing {
namespace {

// The policy's duration fields by their proto field names (the proto spells them the same).
struct DurationField {
  const char* name;
  Duration RoutingPolicy::*field;
};
constexpr DurationField kDurations[] = {
    {"offer_timeout", &RoutingPolicy::offer_timeout},
    {"decline_cooldown", &RoutingPolicy::decline_cooldown},
    {"reply_timeout", &RoutingPolicy::reply_timeout},
    {"personal_manager_wait", &RoutingPolicy::personal_manager_wait},
    {"last_agent_wait", &RoutingPolicy::last_agent_wait},
    {"transfer_wait", &RoutingPolicy::transfer_wait},
    {"presence_grace", &RoutingPolicy::presence_grace},
    {"ramp_step", &RoutingPolicy::ramp_step},
    {"effort_half_life", &RoutingPolicy::effort_half_life},
    {"default_relax_after", &RoutingPolicy::default_relax_after},
    {"wrap_up", &RoutingPolicy::wrap_up},
};

const google::protobuf::FieldDescriptor* Field(const char* name) {
  return omnibroker::v1::RoutingPolicy::descriptor()->FindFieldByName(name);
}

// Local-time ranges ("09:00-12:30") into `out`; `field` names the list.
absl::Status AddRanges(const google::protobuf::RepeatedPtrField<std::string>& texts, const std::string& field,
                       std::vector<TimeRange>& out) {
  for (int i = 0; i < texts.size(); ++i) {
    auto range = ParseTimeRange(texts[i], absl::StrCat(field, "[", i, "]"));
    if (!range.ok()) return range.status();
    out.push_back(*range);
  }
  return absl::OkStatus();
}

absl::StatusOr<Calendar> CalendarFromProto(const omnibroker::v1::Calendar& proto) {
  const std::string field = absl::StrCat("routing.calendars.", proto.name());
  CalendarSpec spec{.name = proto.name(), .time_zone = proto.time_zone()};
  for (int i = 0; i < proto.weekly_size(); ++i) {
    const auto& weekly = proto.weekly(i);
    const std::string at = absl::StrCat(field, ".weekly[", i, "]");
    if (weekly.days().empty()) return absl::InvalidArgumentError(at + ".days: name the days (mon, tue…)");
    std::vector<TimeRange> ranges;
    if (auto s = AddRanges(weekly.hours(), at + ".hours", ranges); !s.ok()) return s;
    if (ranges.empty()) return absl::InvalidArgumentError(at + ".hours: give the hours (\"09:00-17:30\")");
    for (int d = 0; d < weekly.days_size(); ++d) {
      auto day = ParseWeekday(weekly.days(d), absl::StrCat(at, ".days[", d, "]"));
      if (!day.ok()) return day.status();
      auto& hours = spec.weekly[*day];
      hours.insert(hours.end(), ranges.begin(), ranges.end());
    }
  }
  for (int i = 0; i < proto.holidays_size(); ++i) {
    auto day = ParseDate(proto.holidays(i), absl::StrCat(field, ".holidays[", i, "]"));
    if (!day.ok()) return day.status();
    spec.holidays.insert(*day);
  }
  for (int i = 0; i < proto.special_days_size(); ++i) {
    const auto& special = proto.special_days(i);
    const std::string at = absl::StrCat(field, ".special_days[", i, "]");
    auto day = ParseDate(special.date(), at + ".date");
    if (!day.ok()) return day.status();
    if (spec.special_days.contains(*day)) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".date: ", special.date(), " is given twice"));
    }
    if (auto s = AddRanges(special.hours(), at + ".hours", spec.special_days[*day]); !s.ok()) return s;
  }
  return Calendar::Create(std::move(spec), field);
}

omnibroker::v1::Calendar CalendarToProto(const Calendar& calendar) {
  const CalendarSpec& spec = calendar.spec();
  omnibroker::v1::Calendar out;
  out.set_name(spec.name);
  out.set_time_zone(spec.time_zone);
  for (int day = 0; day < 7; ++day) {
    if (spec.weekly[day].empty()) continue;
    auto* weekly = out.add_weekly();
    weekly->add_days(WeekdayName(day));
    for (const TimeRange& r : spec.weekly[day]) weekly->add_hours(FormatTimeRange(r));
  }
  for (const auto& day : spec.holidays) out.add_holidays(absl::FormatCivilTime(day));
  for (const auto& [day, ranges] : spec.special_days) {
    auto* special = out.add_special_days();
    special->set_date(absl::FormatCivilTime(day));
    for (const TimeRange& r : ranges) special->add_hours(FormatTimeRange(r));
  }
  return out;
}

absl::StatusOr<QueueHours> QueueHoursFromProto(const omnibroker::v1::QueueHours& proto) {
  QueueHours hours{.calendar = proto.calendar()};
  for (int i = 0; i < proto.after_hours_size(); ++i) {
    const auto& rule = proto.after_hours(i);
    AfterHoursRule& out = hours.after_hours.emplace_back();
    out.channel = rule.channel();
    switch (rule.action()) {
      case omnibroker::v1::AFTER_HOURS_ACTION_UNSPECIFIED:
      case omnibroker::v1::AFTER_HOURS_KEEP_WAITING:
        out.action = AfterHoursAction::kKeepWaiting;
        break;
      case omnibroker::v1::AFTER_HOURS_OVERFLOW:
        out.action = AfterHoursAction::kOverflow;
        break;
      case omnibroker::v1::AFTER_HOURS_AUTO_REPLY:
        out.action = AfterHoursAction::kAutoReply;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("routing.queue_hours.", proto.queue(), ".after_hours[", i,
                                                       "].action: unknown action ", rule.action()));
    }
    out.overflow_queue = rule.overflow_queue();
    out.messages.insert(rule.messages().begin(), rule.messages().end());
  }
  return hours;
}

omnibroker::v1::AfterHoursAction ActionToProto(AfterHoursAction action) {
  switch (action) {
    case AfterHoursAction::kOverflow:
      return omnibroker::v1::AFTER_HOURS_OVERFLOW;
    case AfterHoursAction::kAutoReply:
      return omnibroker::v1::AFTER_HOURS_AUTO_REPLY;
    case AfterHoursAction::kKeepWaiting:
      break;
  }
  return omnibroker::v1::AFTER_HOURS_KEEP_WAITING;
}

}  // namespace

absl::StatusOr<RoutingPolicy> MergePolicy(const RoutingPolicy& base, const omnibroker::v1::RoutingPolicy& proto) {
  RoutingPolicy policy = base;
  const auto* reflection = proto.GetReflection();
  for (const auto& d : kDurations) {
    if (reflection->HasField(proto, Field(d.name))) {
      policy.*d.field = FromProto(static_cast<const google::protobuf::Duration&>(reflection->GetMessage(proto, Field(d.name))));
    }
  }
  if (proto.has_risk_fraction()) policy.risk_fraction = proto.risk_fraction();
  if (proto.has_risk_urgency()) policy.risk_urgency = proto.risk_urgency();
  if (proto.has_urgency_per_second()) policy.urgency_per_second = proto.urgency_per_second();
  if (proto.has_urgency_per_priority()) policy.urgency_per_priority = proto.urgency_per_priority();
  if (!proto.default_language().empty()) policy.default_language = proto.default_language();
  for (const auto& t : proto.tiers()) {
    if (t.tier() == omnibroker::v1::TIER_UNSPECIFIED) {
      return absl::InvalidArgumentError("routing.tiers[].tier: name a tier (TIER_STANDARD, TIER_GOLD, TIER_VIP)");
    }
    TierPolicy& tier = policy.tiers[t.tier()];
    if (t.has_weight()) tier.weight = t.weight();
    if (t.has_first_response()) tier.first_response = FromProto(t.first_response());
    if (t.has_next_response()) tier.next_response = FromProto(t.next_response());
    if (t.has_resolution()) tier.resolution = FromProto(t.resolution());
    if (t.has_senior_pool()) tier.senior_pool = t.senior_pool();
    if (t.has_business_time()) tier.business_time = t.business_time();
  }
  for (const auto& c : proto.channels()) {
    if (c.channel() == omnibroker::v1::CHANNEL_UNSPECIFIED) {
      return absl::InvalidArgumentError("routing.channels[].channel: name a channel (CHANNEL_CHAT, CHANNEL_VOICE…)");
    }
    ChannelPolicy& channel = policy.channels[c.channel()];
    if (c.has_capacity_pool()) channel.capacity_pool = c.capacity_pool();
    if (c.has_effort_weight()) channel.effort_weight = c.effort_weight();
    if (c.has_nominal_handle_time()) channel.nominal_handle_time = FromProto(c.nominal_handle_time());
    if (c.has_reply_timeout()) channel.reply_timeout = FromProto(c.reply_timeout());
  }
  for (const auto& q : proto.queues()) {
    if (q.queue().empty()) return absl::InvalidArgumentError("routing.queues[].queue: name the queue");
    if (q.steps().empty()) {
      policy.queues.erase(q.queue());
    } else {
      policy.queues[q.queue()].assign(q.steps().begin(), q.steps().end());
    }
  }
  for (const auto& c : proto.calendars()) {
    if (c.name().empty()) return absl::InvalidArgumentError("routing.calendars[].name: name the calendar");
    if (c.time_zone().empty() && c.weekly().empty() && c.holidays().empty() && c.special_days().empty()) {
      policy.calendars.erase(c.name());
      continue;
    }
    auto calendar = CalendarFromProto(c);
    if (!calendar.ok()) return calendar.status();
    policy.calendars.insert_or_assign(c.name(), *std::move(calendar));
  }
  for (const auto& q : proto.queue_hours()) {
    if (q.queue().empty()) return absl::InvalidArgumentError("routing.queue_hours[].queue: name the queue");
    if (q.calendar().empty() && q.after_hours().empty()) {
      policy.queue_hours.erase(q.queue());
      continue;
    }
    auto hours = QueueHoursFromProto(q);
    if (!hours.ok()) return hours.status();
    policy.queue_hours[q.queue()] = *std::move(hours);
  }
  if (proto.has_quality()) {
    auto quality = quality::MergeQualityPolicy(policy.quality, proto.quality());
    if (!quality.ok()) return quality.status();
    policy.quality = *std::move(quality);
  }
  if (auto s = Validate(policy); !s.ok()) return s;
  return policy;
}

omnibroker::v1::RoutingPolicy PolicyToProto(const RoutingPolicy& policy) {
  omnibroker::v1::RoutingPolicy out;
  const auto* reflection = out.GetReflection();
  for (const auto& d : kDurations) {
    static_cast<google::protobuf::Duration*>(reflection->MutableMessage(&out, Field(d.name)))->CopyFrom(ToProto(policy.*d.field));
  }
  out.set_risk_fraction(policy.risk_fraction);
  out.set_risk_urgency(policy.risk_urgency);
  out.set_urgency_per_second(policy.urgency_per_second);
  out.set_urgency_per_priority(policy.urgency_per_priority);
  out.set_default_language(policy.default_language);
  for (const auto& [tier, t] : policy.tiers) {
    auto* p = out.add_tiers();
    p->set_tier(tier);
    p->set_weight(t.weight);
    *p->mutable_first_response() = ToProto(t.first_response);
    *p->mutable_next_response() = ToProto(t.next_response);
    *p->mutable_resolution() = ToProto(t.resolution);
    p->set_senior_pool(t.senior_pool);
    p->set_business_time(t.business_time);
  }
  for (const auto& [channel, c] : policy.channels) {
    auto* p = out.add_channels();
    p->set_channel(channel);
    p->set_capacity_pool(c.capacity_pool);
    p->set_effort_weight(c.effort_weight);
    *p->mutable_nominal_handle_time() = ToProto(c.nominal_handle_time);
    *p->mutable_reply_timeout() = ToProto(c.reply_timeout);
  }
  for (const auto& [queue, steps] : policy.queues) {
    auto* q = out.add_queues();
    q->set_queue(queue);
    q->mutable_steps()->Add(steps.begin(), steps.end());
  }
  for (const auto& [name, calendar] : policy.calendars) *out.add_calendars() = CalendarToProto(calendar);
  for (const auto& [queue, hours] : policy.queue_hours) {
    auto* q = out.add_queue_hours();
    q->set_queue(queue);
    q->set_calendar(hours.calendar);
    for (const auto& rule : hours.after_hours) {
      auto* r = q->add_after_hours();
      r->set_channel(rule.channel);
      r->set_action(ActionToProto(rule.action));
      r->set_overflow_queue(rule.overflow_queue);
      r->mutable_messages()->insert(rule.messages.begin(), rule.messages.end());
    }
  }
  *out.mutable_quality() = quality::QualityPolicyToProto(policy.quality);
  return out;
}

}  // namespace omni::routing
