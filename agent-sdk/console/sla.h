// Service-level deadlines as the console counts them down: the broker's default targets per tier
// (broker/routing/routing_policy.cc), overridable by --sla when the broker runs another policy.
// A conversation's next deadline: the first response from when it was queued until an agent
// answers, then the next response from the oldest unanswered customer message.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/common.pb.h"
#include "omnibroker/v1/conversation.pb.h"

namespace omni::console {

struct SlaTarget {
  Duration first_response;
  Duration next_response;
};

using SlaTargets = std::map<omnibroker::v1::Tier, SlaTarget>;

// The broker's defaults: standard 10m/15m, gold 5m/10m, VIP 2m/5m.
SlaTargets DefaultSlaTargets();

// "vip=60s/3m,gold=5m/10m": tier=first/next, durations in s, m or h. Tiers not named keep
// `base`'s targets. The error names the entry that is wrong.
absl::StatusOr<SlaTargets> ParseSlaTargets(std::string_view spec, SlaTargets base);

struct SlaDeadline {
  std::string kind;  // "first response", "next response"
  TimePoint due;
};

// The deadline running now, or none (answered, nothing waiting).
std::optional<SlaDeadline> NextDeadline(const omnibroker::v1::Conversation& conversation,
                                        omnibroker::v1::Tier tier, const SlaTargets& targets);

}  // namespace omni::console
