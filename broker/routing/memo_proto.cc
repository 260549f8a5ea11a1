#include "broker/routing/memo_proto.h"

#include "base/time_util.h"

namespace omni::routing {

omnibroker::v1::RoutingMemo MemoToProto(const RoutingMemo& memo) {
  omnibroker::v1::RoutingMemo out;
  *out.mutable_steps_since() = ToProto(memo.steps_since);
  for (const auto& agent_id : memo.named_agents) out.add_named_agents(agent_id);
  out.set_transfer_target(memo.transfer_target);
  for (const auto& [agent_id, until] : memo.cooldowns) (*out.mutable_cooldowns())[agent_id] = ToProto(until);
  out.set_agent_id(memo.agent_id);
  switch (memo.hold) {
    case RoutingMemo::Hold::kNone:
      break;
    case RoutingMemo::Hold::kOffered:
      out.mutable_offered()->set_number(memo.offer_number);
      *out.mutable_offered()->mutable_expires_at() = ToProto(memo.until);
      break;
    case RoutingMemo::Hold::kAssigned:
      *out.mutable_assigned()->mutable_since() = ToProto(memo.assigned_at);
      out.mutable_assigned()->set_replied(memo.replied_since_assigned);
      break;
    case RoutingMemo::Hold::kWrapUp:
      *out.mutable_wrap_up()->mutable_assigned_since() = ToProto(memo.assigned_at);
      *out.mutable_wrap_up()->mutable_until() = ToProto(memo.until);
      break;
  }
  return out;
}

RoutingMemo MemoFromProto(const omnibroker::v1::RoutingMemo& proto) {
  RoutingMemo memo{.steps_since = FromProto(proto.steps_since()),
                   .named_agents = {proto.named_agents().begin(), proto.named_agents().end()},
                   .transfer_target = proto.transfer_target(),
                   .agent_id = proto.agent_id()};
  for (const auto& [agent_id, until] : proto.cooldowns()) memo.cooldowns[agent_id] = FromProto(until);
  switch (proto.hold_case()) {
    case omnibroker::v1::RoutingMemo::kOffered:
      memo.hold = RoutingMemo::Hold::kOffered;
      memo.offer_number = proto.offered().number();
      memo.until = FromProto(proto.offered().expires_at());
      break;
    case omnibroker::v1::RoutingMemo::kAssigned:
      memo.hold = RoutingMemo::Hold::kAssigned;
      memo.assigned_at = FromProto(proto.assigned().since());
      memo.replied_since_assigned = proto.assigned().replied();
      break;
    case omnibroker::v1::RoutingMemo::kWrapUp:
      memo.hold = RoutingMemo::Hold::kWrapUp;
      memo.assigned_at = FromProto(proto.wrap_up().assigned_since());
      memo.until = FromProto(proto.wrap_up().until());
      break;
    case omnibroker::v1::RoutingMemo::HOLD_NOT_SET:
      break;
  }
  return memo;
}

}  // namespace omni::routing
