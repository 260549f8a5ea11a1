// SLA targets: defaults, the --sla flag's parser, and which deadline a conversation runs against.
#include "sla.h"

#include <charconv>

#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/time_util.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::Tier;

absl::StatusOr<Duration> ParseDuration(std::string_view text, const std::string& field) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [rest, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || rest + 1 != end || value <= 0) {
    return absl::InvalidArgumentError(field + ": \"" + std::string(text) +
                                      "\" is not a positive duration like 90s, 5m or 1h");
  }
  switch (*rest) {
    case 's':
      return std::chrono::seconds(value);
    case 'm':
      return std::chrono::minutes(value);
    case 'h':
      return std::chrono::hours(value);
  }
  return absl::InvalidArgumentError(field + ": unit of \"" + std::string(text) +
                                    "\" is not s, m or h");
}

}  // namespace

SlaTargets DefaultSlaTargets() {
  return {{omnibroker::v1::TIER_UNSPECIFIED, {10min, 15min}},
          {omnibroker::v1::TIER_STANDARD, {10min, 15min}},
          {omnibroker::v1::TIER_GOLD, {5min, 10min}},
          {omnibroker::v1::TIER_VIP, {2min, 5min}}};
}

absl::StatusOr<SlaTargets> ParseSlaTargets(std::string_view spec, SlaTargets base) {
  const std::map<std::string, Tier> tiers = {{"standard", omnibroker::v1::TIER_STANDARD},
                                             {"gold", omnibroker::v1::TIER_GOLD},
                                             {"vip", omnibroker::v1::TIER_VIP}};
  for (absl::string_view entry : absl::StrSplit(ToAbsl(spec), ',', absl::SkipEmpty())) {
    const std::string field = "--sla entry \"" + std::string(entry) + "\"";
    std::vector<std::string> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    auto tier = tiers.find(parts[0]);
    if (parts.size() != 2 || tier == tiers.end()) {
      return absl::InvalidArgumentError(field + ": expected standard|gold|vip=<first>/<next>");
    }
    std::vector<std::string> durations = absl::StrSplit(parts[1], '/');
    if (durations.size() != 2) {
      return absl::InvalidArgumentError(field + ": expected <first>/<next>, e.g. 2m/5m");
    }
    SlaTarget target;
    OMNI_ASSIGN_OR_RETURN(target.first_response,
                          ParseDuration(durations[0], field + " first response"));
    OMNI_ASSIGN_OR_RETURN(target.next_response,
                          ParseDuration(durations[1], field + " next response"));
    base[tier->second] = target;
    if (tier->second == omnibroker::v1::TIER_STANDARD)
      base[omnibroker::v1::TIER_UNSPECIFIED] = target;
  }
  return base;
}

std::optional<SlaDeadline> NextDeadline(const omnibroker::v1::Conversation& conversation, Tier tier,
                                        const SlaTargets& targets) {
  auto target = targets.find(tier);
  if (target == targets.end()) target = targets.find(omnibroker::v1::TIER_UNSPECIFIED);
  if (target == targets.end()) return std::nullopt;
  if (!conversation.has_first_response_at() && conversation.has_queued_at()) {
    return SlaDeadline{"first response",
                       FromProto(conversation.queued_at()) + target->second.first_response};
  }
  if (conversation.has_awaiting_reply_since()) {
    return SlaDeadline{"next response", FromProto(conversation.awaiting_reply_since()) +
                                            target->second.next_response};
  }
  return std::nullopt;
}

}  // namespace omni::console
