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
  return out;
}

}  // namespace omni::routing
