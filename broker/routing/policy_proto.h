// The routing policy between its configured form (omnibroker.v1.RoutingPolicy: config file,
// Admin) and the engine's RoutingPolicy. Fields absent from the proto keep the base value.
#pragma once

#include "absl/status/statusor.h"
#include "broker/routing/routing_policy.h"
#include "omnibroker/v1/routing.pb.h"

namespace omni::routing {

// `base` with every field present in `proto` replacing its own (tiers and channels merged entry
// by entry), validated.
absl::StatusOr<RoutingPolicy> MergePolicy(const RoutingPolicy& base, const omnibroker::v1::RoutingPolicy& proto);

// Every field of `policy`, spelled out.
omnibroker::v1::RoutingPolicy PolicyToProto(const RoutingPolicy& policy);

}  // namespace omni::routing
