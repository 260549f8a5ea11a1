// A conversation's routing memo between the engine's RoutingMemo and its stored form
// (omnibroker.v1.RoutingMemo, store family `routing`).
#pragma once

#include "broker/routing/routing_engine.h"
#include "omnibroker/v1/routing.pb.h"

namespace omni::routing {

omnibroker::v1::RoutingMemo MemoToProto(const RoutingMemo& memo);
RoutingMemo MemoFromProto(const omnibroker::v1::RoutingMemo& proto);

}  // namespace omni::routing
