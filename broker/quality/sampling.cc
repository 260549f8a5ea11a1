#include "broker/quality/sampling.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/time_util.h"

namespace omni::quality {

bool InShare(std::string_view conversation_id, double share) {
  if (share <= 0) return false;
  if (share >= 1) return true;
  // CRC-32 of the id, as the partition map places tenants: the same on every broker and build.
  const uLong hash = crc32(0L, reinterpret_cast<const Bytef*>(conversation_id.data()),
                           static_cast<uInt>(conversation_id.size()));
  return static_cast<double>(hash) / 4294967296.0 < share;
}

Duration HandleTime(const omnibroker::v1::Conversation& closed, const std::string& agent_id) {
  Duration total{};
  for (const auto& a : closed.assignments()) {
    if (a.agent_id() != agent_id || !a.has_started_at() || !a.has_ended_at()) continue;
    total += std::max(Duration::zero(), FromProto(a.ended_at()) - FromProto(a.started_at()));
  }
  return total;
}

std::vector<std::string> SampleReasons(const Sampling& sampling, const omnibroker::v1::Conversation& closed,
                                       const std::string& agent_id) {
  std::vector<std::string> reasons;
  if (InShare(closed.id(), sampling.share)) reasons.push_back("share");
  if (sampling.breached) {
    for (const auto& breach : closed.breaches()) {
      std::string reason = absl::StrCat("breached ", breach.kind());
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(std::move(reason));
    }
  }
  if (sampling.transferred &&
      std::any_of(closed.assignments().begin(), closed.assignments().end(),
                  [](const auto& a) { return a.end_reason() == "transferred"; })) {
    reasons.push_back("transferred");
  }
  const Duration handled = HandleTime(closed, agent_id);
  if (sampling.long_handle > Duration::zero() && handled > sampling.long_handle) reasons.push_back("long handle");
  if (sampling.short_handle > Duration::zero() && handled < sampling.short_handle) reasons.push_back("short handle");
  if (std::find(sampling.dispositions.begin(), sampling.dispositions.end(), closed.disposition()) !=
      sampling.dispositions.end()) {
    reasons.push_back(absl::StrCat("disposition ", closed.disposition()));
  }
  return reasons;
}

}  // namespace omni::quality
