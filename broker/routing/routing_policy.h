// The routing policy: every rule of the routing engine that an operator may tune (tiers and their
// deadlines, stickiness waits, offer and reply timeouts, ramp-up, effort weights, capacity pools).
// Plain data with documented defaults, checked by Validate() with errors that name the field.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/clock.h"
#include "broker/quality/quality_policy.h"
#include "broker/routing/calendar.h"
#include "omnibroker/v1/common.pb.h"
#include "omnibroker/v1/conversation.pb.h"

namespace omni::routing {

using namespace std::chrono_literals;
using omnibroker::v1::Channel;
using omnibroker::v1::Tier;

struct TierPolicy {
  // Urgency points: a VIP conversation with weight 600 goes before a standard one that has waited
  // up to 10 minutes longer (urgency grows by one point per second waited).
  double weight = 0;
  Duration first_response = 10min;  // from queued to the first agent reply
  Duration next_response = 15min;   // from a customer message to the agent's answer
  Duration resolution = 48h;        // from queued to closed
  // The first step is served only by agents who list this tier (a senior pool).
  bool senior_pool = false;
  // The deadlines count in business time: the open hours of the conversation's queue's calendar
  // (a queue without one is open 24/7, where business time is wall time). The at-risk
  // prediction counts the same way.
  bool business_time = false;
};

// What a queue does with a conversation waiting while the queue is closed.
enum class AfterHoursAction {
  kKeepWaiting,  // wait for an agent as in hours
  kOverflow,     // move to overflow_queue once that queue is open
  kAutoReply,    // answer through the channel once per closed spell, and keep waiting
};

struct AfterHoursRule {
  Channel channel = omnibroker::v1::CHANNEL_UNSPECIFIED;  // unspecified: the other channels
  AfterHoursAction action = AfterHoursAction::kKeepWaiting;
  std::string overflow_queue;
  std::map<std::string, std::string> messages;  // language tag -> text (auto reply)
  // The message for `language`: its own tag, else one of the same primary language, else the one
  // in `default_language`'s; "" when none.
  std::string MessageFor(const std::string& language, const std::string& default_language) const;
  bool operator==(const AfterHoursRule&) const = default;
};

// A queue's opening hours and its after-hours rules.
struct QueueHours {
  std::string calendar;  // a name in RoutingPolicy::calendars; "" = 24/7
  std::vector<AfterHoursRule> after_hours;
  // The rule for `channel`: its own, else the one for every channel, else keep waiting.
  const AfterHoursRule& RuleFor(Channel channel) const;
  bool operator==(const QueueHours&) const = default;
};

struct ChannelPolicy {
  // Which capacity the channel uses: messengers and social mentions share the chat units unless
  // configured otherwise.
  Channel capacity_pool = omnibroker::v1::CHANNEL_UNSPECIFIED;  // unspecified = its own
  // Effort of one conversation, in weighted minutes: a call costs more than a chat.
  double effort_weight = 1;
  Duration nominal_handle_time = 10min;
  // Reclaimed when accepted and not answered within this (0 = the policy's reply_timeout): an
  // email takes longer to write than a chat line.
  Duration reply_timeout{};
};

struct RoutingPolicy {
  std::map<Tier, TierPolicy> tiers;
  std::map<Channel, ChannelPolicy> channels;

  Duration offer_timeout = 20s;
  // The same agent is not offered the same conversation again for this long after declining or
  // letting the offer time out.
  Duration decline_cooldown = 2min;
  // An accepted conversation the agent does not answer within this is reclaimed and re-routed
  // (unless its channel has a reply_timeout of its own).
  Duration reply_timeout = 3min;
  // Stickiness: how long a conversation waits for the customer's personal manager, then for the
  // last agent who served them, before normal routing.
  Duration personal_manager_wait = 60s;
  Duration last_agent_wait = 30s;
  Duration transfer_wait = 60s;  // how long a transfer waits for the named agent
  // A disconnected agent keeps their conversations this long (a flapping connection does not
  // bounce work); then the conversations return to the queue with their priority.
  Duration presence_grace = 30s;
  // An agent back from away or offline takes one conversation per pool, one more per step
  // (0 = no ramp-up).
  Duration ramp_step = 2min;
  // Occupancy is effort over a recent window: each agent's effort decays with this half-life.
  Duration effort_half_life = 30min;
  // A conversation is at risk once it waited this fraction of its first-response deadline: its
  // remaining steps relax at once and it gains risk_urgency.
  double risk_fraction = 0.8;
  double risk_urgency = 3600;
  double urgency_per_second = 1;
  double urgency_per_priority = 60;
  // Default steps when a conversation names none: its skills as asked for default_relax_after,
  // then the same skills at any proficiency.
  Duration default_relax_after = 60s;
  // After-work time after a close, holding the agent's capacity (0 = none).
  Duration wrap_up = 0s;
  std::string default_language = "en";
  // Routing rules by queue: a conversation of a queue listed here that names no steps of its own
  // is routed by the queue's steps (their skills, language, tier pool and waits, as written; a
  // tier with senior_pool first tries the first step in its pool for default_relax_after).
  std::map<std::string, std::vector<omnibroker::v1::RoutingStep>> queues;
  // Calendars by name, and the queues' hours by queue (a queue not listed is open 24/7 and keeps
  // its conversations waiting).
  std::map<std::string, Calendar> calendars;
  std::map<std::string, QueueHours> queue_hours;
  // Scorecards, review sampling and the thresholds of agents' quality standing: the core acts on
  // them (broker/core/quality.cc); the engine only takes an agent off routing when told.
  quality::QualityPolicy quality;

  const TierPolicy& ForTier(Tier tier) const;
  // The queue's hours; null when it has none. The conversations that name no queue are in the
  // queue "default" (as floor stats call it).
  const QueueHours* HoursOf(const std::string& queue) const;
  // The queue's calendar: the 24/7 one when it names none.
  const Calendar& CalendarOf(const std::string& queue) const;
  ChannelPolicy ForChannel(Channel channel) const;
  Duration ReplyTimeout(Channel channel) const;
  // The capacity pool a channel's conversations count against.
  Channel PoolOf(Channel channel) const;
};

// The policy a broker runs with when configured with nothing: standard < gold < VIP, VIP served
// first by a senior pool, messengers and social sharing chat capacity.
RoutingPolicy DefaultRoutingPolicy();

// Checks ranges and consistency; the error names the field and the value.
absl::Status Validate(const RoutingPolicy& policy);

// The steps a conversation is routed by: its own, else its queue's rule, else the defaults built
// from its skills.
std::vector<omnibroker::v1::RoutingStep> StepsFor(const omnibroker::v1::Requirements& requirements,
                                                  const RoutingPolicy& policy);

}  // namespace omni::routing
