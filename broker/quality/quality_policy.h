// The quality policy of a tenant: its scorecards, which closed conversations go to review, and
// the thresholds that turn an agent's recent scores into a standing. Part of the routing policy
// (RoutingPolicy::quality), so the config file's `routing.quality`, Admin and omnictl set it as
// they set the rest. Plain data with documented defaults, checked by Validate() with errors that
// name the field; merged from and spelled out as omnibroker.v1.QualityPolicy (routing.proto).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/quality.pb.h"
#include "omnibroker/v1/routing.pb.h"

namespace omni::quality {

using namespace std::chrono_literals;

// Which closed conversations go to review (see omnibroker.v1.ReviewSampling).
struct Sampling {
  double share = 0.05;      // of each agent's closed conversations, picked by conversation id
  bool breached = true;     // always those that missed a deadline (escalated to supervisors)
  bool transferred = true;  // always those handed on by a transfer
  Duration long_handle = 1h;   // always those the agent held longer (0 = off)
  Duration short_handle = 30s;  // always those closed sooner after the accept (0 = off)
  // Always those closed with one of these ("complaint"); none by default: disposition codes are
  // each tenant's own.
  std::vector<std::string> dispositions;
};

// What an agent's recent scores mean (the seed practice: below 45 off routing until
// re-certified, up to 75 training, 76 to 100 good).
struct Thresholds {
  int last_reviews = 5;  // the average counts this many of the latest scores
  double off_routing_below = 45;
  double training_below = 76;
};

struct QualityPolicy {
  std::map<std::string, omnibroker::v1::Scorecard> scorecards;  // by name; none = nothing sampled
  Sampling sampling;
  Thresholds thresholds;

  // The scorecard a conversation of `queue` ("" = "default") is reviewed with: the one that names
  // the queue, else the one that names none; null when neither is configured.
  const omnibroker::v1::Scorecard* ScorecardFor(const std::string& queue) const;
};

// Ranges and consistency (each scorecard valid, a queue named by one scorecard at most, one
// scorecard at most naming no queue); the error names the field ("routing.quality.…").
absl::Status Validate(const QualityPolicy& policy);

// `base` with the fields `proto` gives (scorecards by name: a given one replaces it whole, one
// with neither criteria nor queues is removed); not validated.
absl::StatusOr<QualityPolicy> MergeQualityPolicy(const QualityPolicy& base, const omnibroker::v1::QualityPolicy& proto);

// Every field spelled out.
omnibroker::v1::QualityPolicy QualityPolicyToProto(const QualityPolicy& policy);

}  // namespace omni::quality
