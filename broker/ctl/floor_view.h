// The supervisor's floor (Admin GetFloorStats) as text tables, for `omnictl stats` and `top`.
#pragma once

#include <string>

#include "omnibroker/v1/admin.pb.h"

namespace omni::ctl {

// Per queue and in total, then per agent; a ratio with nothing to compute is "-".
std::string RenderFloor(const omnibroker::v1::FloorStats& stats);

}  // namespace omni::ctl
