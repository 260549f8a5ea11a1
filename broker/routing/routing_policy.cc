#include "broker/routing/routing_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/language_tag.h"
#include "broker/routing/validation.h"

namespace omni::routing {
namespace {

absl::Status Positive(Duration d, const char* field) {
  if (d > Duration::zero()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "routing.", field, " must be positive, got ",
      std::chrono::duration_cast<std::chrono::milliseconds>(d).count(), " ms"));
}

absl::Status NotNegative(Duration d, const char* field) {
  if (d >= Duration::zero()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("routing.", field, " must not be negative"));
}

// "pt" of "pt-BR", in lower case.
std::string PrimaryLanguage(const std::string& tag) {
  return absl::AsciiStrToLower(tag.substr(0, tag.find_first_of("-_")));
}

absl::Status ValidateAfterHours(const RoutingPolicy& policy, const std::string& queue, const QueueHours& hours) {
  const std::string field = absl::StrCat("routing.queue_hours.", queue);
  if (!hours.calendar.empty() && !policy.calendars.contains(hours.calendar)) {
    std::vector<std::string> known;
    for (const auto& [name, calendar] : policy.calendars) known.push_back(name);
    return absl::InvalidArgumentError(absl::StrCat(field, ".calendar: no calendar \"", hours.calendar, "\" (known: ",
                                                   known.empty() ? "none" : absl::StrJoin(known, ", "), ")"));
  }
  for (size_t i = 0; i < hours.after_hours.size(); ++i) {
    const AfterHoursRule& rule = hours.after_hours[i];
    const std::string at = absl::StrCat(field, ".after_hours[", i, "]");
    for (size_t j = 0; j < i; ++j) {
      if (hours.after_hours[j].channel == rule.channel) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".channel: ", omnibroker::v1::Channel_Name(rule.channel), " has a rule already"));
      }
    }
    if (rule.action == AfterHoursAction::kOverflow) {
      if (rule.overflow_queue.empty()) return absl::InvalidArgumentError(at + ".overflow_queue: name the queue to overflow to");
      if (rule.overflow_queue == queue) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".overflow_queue: \"", queue, "\" cannot overflow to itself"));
      }
    } else if (!rule.overflow_queue.empty()) {
      return absl::InvalidArgumentError(at + ".overflow_queue: only for the action AFTER_HOURS_OVERFLOW");
    }
    if (rule.action != AfterHoursAction::kAutoReply) {
      if (!rule.messages.empty()) return absl::InvalidArgumentError(at + ".messages: only for the action AFTER_HOURS_AUTO_REPLY");
      continue;
    }
    for (const auto& [language, text] : rule.messages) {
      const std::string message = absl::StrCat(at, ".messages.", language);
      if (!IsLanguageTag(language)) return absl::InvalidArgumentError(message + ": not a language tag (en, pt-BR)");
      if (text.empty()) return absl::InvalidArgumentError(message + ": the text is empty");
    }
    if (rule.MessageFor(policy.default_language, policy.default_language).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".messages: give one in the default language (",
                                                     policy.default_language, "), for customers of other languages"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string AfterHoursRule::MessageFor(const std::string& language, const std::string& default_language) const {
  if (auto it = messages.find(language); it != messages.end()) return it->second;
  for (const std::string& wanted : {language, default_language}) {
    if (wanted.empty()) continue;
    for (const auto& [tag, text] : messages) {
      if (PrimaryLanguage(tag) == PrimaryLanguage(wanted)) return text;
    }
  }
  return "";
}

const AfterHoursRule& QueueHours::RuleFor(Channel channel) const {
  static const AfterHoursRule kKeepWaiting;
  const AfterHoursRule* any = &kKeepWaiting;
  for (const auto& rule : after_hours) {
    if (rule.channel == channel) return rule;
    if (rule.channel == omnibroker::v1::CHANNEL_UNSPECIFIED) any = &rule;
  }
  return *any;
}

const QueueHours* RoutingPolicy::HoursOf(const std::string& queue) const {
  auto it = queue_hours.find(queue.empty() ? std::string("default") : queue);
  return it == queue_hours.end() ? nullptr : &it->second;
}

const Calendar& RoutingPolicy::CalendarOf(const std::string& queue) const {
  static const Calendar kAlwaysOpen;
  const QueueHours* hours = HoursOf(queue);
  if (hours == nullptr || hours->calendar.empty()) return kAlwaysOpen;
  auto it = calendars.find(hours->calendar);
  return it == calendars.end() ? kAlwaysOpen : it->second;
}

const TierPolicy& RoutingPolicy::ForTier(Tier tier) const {
  static const TierPolicy kFallback;
  if (auto it = tiers.find(tier); it != tiers.end()) return it->second;
  if (auto it = tiers.find(omnibroker::v1::TIER_STANDARD); it != tiers.end()) return it->second;
  return kFallback;
}

ChannelPolicy RoutingPolicy::ForChannel(Channel channel) const {
  if (auto it = channels.find(channel); it != channels.end()) return it->second;
  return ChannelPolicy{};
}

Duration RoutingPolicy::ReplyTimeout(Channel channel) const {
  const Duration own = ForChannel(channel).reply_timeout;
  return own > Duration::zero() ? own : reply_timeout;
}

Channel RoutingPolicy::PoolOf(Channel channel) const {
  const Channel pool = ForChannel(channel).capacity_pool;
  return pool == omnibroker::v1::CHANNEL_UNSPECIFIED ? channel : pool;
}

RoutingPolicy DefaultRoutingPolicy() {
  using namespace omnibroker::v1;
  RoutingPolicy policy;
  policy.tiers[TIER_STANDARD] = TierPolicy{.weight = 0, .first_response = 10min};
  policy.tiers[TIER_GOLD] = TierPolicy{.weight = 300, .first_response = 5min, .next_response = 10min};
  policy.tiers[TIER_VIP] = TierPolicy{
      .weight = 600, .first_response = 2min, .next_response = 5min, .resolution = 24h, .senior_pool = true};
  policy.channels[CHANNEL_VOICE] = ChannelPolicy{.effort_weight = 3, .nominal_handle_time = 6min};
  policy.channels[CHANNEL_CHAT] = ChannelPolicy{.effort_weight = 1, .nominal_handle_time = 10min};
  policy.channels[CHANNEL_EMAIL] = ChannelPolicy{.effort_weight = 0.5, .nominal_handle_time = 8min, .reply_timeout = 30min};
  for (Channel shared : {CHANNEL_MESSENGER, CHANNEL_SOCIAL, CHANNEL_SMS}) {
    policy.channels[shared] = ChannelPolicy{.capacity_pool = CHANNEL_CHAT, .effort_weight = 1};
  }
  return policy;
}

absl::Status Validate(const RoutingPolicy& policy) {
  if (auto s = Positive(policy.offer_timeout, "offer_timeout"); !s.ok()) return s;
  if (auto s = Positive(policy.reply_timeout, "reply_timeout"); !s.ok()) return s;
  if (auto s = Positive(policy.effort_half_life, "effort_half_life"); !s.ok()) return s;
  if (auto s = Positive(policy.default_relax_after, "default_relax_after"); !s.ok()) return s;
  for (auto [d, name] : {std::pair{policy.decline_cooldown, "decline_cooldown"},
                         {policy.personal_manager_wait, "personal_manager_wait"},
                         {policy.last_agent_wait, "last_agent_wait"},
                         {policy.transfer_wait, "transfer_wait"},
                         {policy.presence_grace, "presence_grace"},
                         {policy.ramp_step, "ramp_step"},
                         {policy.wrap_up, "wrap_up"}}) {
    if (auto s = NotNegative(d, name); !s.ok()) return s;
  }
  if (!(policy.risk_fraction > 0 && policy.risk_fraction <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("routing.risk_fraction must be in (0, 1], got ", policy.risk_fraction));
  }
  for (const auto& [tier, t] : policy.tiers) {
    const std::string field = absl::StrCat("tiers.", omnibroker::v1::Tier_Name(tier));
    if (t.weight < 0) return absl::InvalidArgumentError(field + ".weight must not be negative");
    for (auto [d, name] : {std::pair{t.first_response, ".first_response"},
                           {t.next_response, ".next_response"}, {t.resolution, ".resolution"}}) {
      if (d <= Duration::zero()) return absl::InvalidArgumentError(field + name + " must be positive");
    }
  }
  for (const auto& [channel, c] : policy.channels) {
    const std::string field = absl::StrCat("channels.", omnibroker::v1::Channel_Name(channel));
    if (c.effort_weight < 0) return absl::InvalidArgumentError(field + ".effort_weight must not be negative");
    if (c.reply_timeout < Duration::zero()) return absl::InvalidArgumentError(field + ".reply_timeout must not be negative");
    const Channel pool = policy.PoolOf(channel);
    if (pool != channel && policy.PoolOf(pool) != pool) {
      return absl::InvalidArgumentError(field + ".capacity_pool must name a channel that uses its own units");
    }
  }
  for (const auto& [queue, steps] : policy.queues) {
    const std::string field = absl::StrCat("routing.queues.", queue, ".steps");
    if (queue.empty()) return absl::InvalidArgumentError("routing.queues[].queue: name the queue");
    if (steps.empty()) return absl::InvalidArgumentError(field + ": a queue's rule has at least one step");
    if (auto s = ValidateSteps(steps, field); !s.ok()) return s;
  }
  for (const auto& [name, calendar] : policy.calendars) {
    if (calendar.always_open() || calendar.name() != name) {
      return absl::InvalidArgumentError(absl::StrCat("routing.calendars.", name, ": made by another name (", calendar.name(), ")"));
    }
  }
  for (const auto& [queue, hours] : policy.queue_hours) {
    if (queue.empty()) return absl::InvalidArgumentError("routing.queue_hours[].queue: name the queue");
    if (auto s = ValidateAfterHours(policy, queue, hours); !s.ok()) return s;
  }
  return quality::Validate(policy.quality);
}

std::vector<omnibroker::v1::RoutingStep> StepsFor(const omnibroker::v1::Requirements& requirements,
                                                  const RoutingPolicy& policy) {
  if (!requirements.steps().empty()) return {requirements.steps().begin(), requirements.steps().end()};
  const int relax_after =
      static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(policy.default_relax_after).count());
  if (auto rule = policy.queues.find(requirements.queue()); rule != policy.queues.end()) {
    std::vector<omnibroker::v1::RoutingStep> steps = rule->second;
    // A tier with a senior pool goes there first, as with the default steps: the rule's first step
    // in the pool for default_relax_after, then the rule as written (never only the pool: a pool
    // nobody is logged in to would keep the customer waiting for good).
    if (policy.ForTier(requirements.tier()).senior_pool && !steps[0].tier_pool()) {
      omnibroker::v1::RoutingStep senior = steps[0];
      senior.set_tier_pool(true);
      senior.set_wait_seconds(relax_after);
      steps.insert(steps.begin(), std::move(senior));
    }
    return steps;
  }
  std::vector<omnibroker::v1::RoutingStep> steps(1);
  steps[0].mutable_skills()->CopyFrom(requirements.skills());
  steps[0].set_tier_pool(policy.ForTier(requirements.tier()).senior_pool);
  bool relaxable = steps[0].tier_pool();
  for (const auto& s : requirements.skills()) relaxable |= s.min_proficiency() > 1;
  if (!relaxable) return steps;
  steps[0].set_wait_seconds(relax_after);
  auto& relaxed = steps.emplace_back();
  for (const auto& s : requirements.skills()) {
    auto* r = relaxed.add_skills();
    r->set_skill(s.skill());
    r->set_min_proficiency(1);
  }
  return steps;
}

}  // namespace omni::routing
