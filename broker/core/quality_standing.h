// What routing makes of an agent's quality standing (docs/quality.md): an agent of the roster whose
// standing is off routing is offered nothing new, with why as explanations show it. Core thread.
#pragma once

#include <string>

#include "base/clock.h"
#include "broker/core/tenant.h"

namespace omni::core {

// Tells `t`'s routing whether `agent_id` is off routing, as their record in `t.quality` says. An
// agent not in the roster is left alone: routing offers them nothing anyway, and UpsertAgent
// tells it when they come (back).
void RouteByStanding(Tenant& t, const std::string& agent_id, TimePoint now);

}  // namespace omni::core
