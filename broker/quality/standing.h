// An agent's quality standing from their latest review scores (the seed practice): the average
// of their last N scores below `off_routing_below` takes them off routing until a supervisor
// re-certifies them; below `training_below` flags them for training; else they are in good
// standing. Pure: the record (omnibroker.v1.AgentQuality) in, the record out.
#pragma once

#include <string>

#include "base/clock.h"
#include "broker/quality/quality_policy.h"
#include "omnibroker/v1/quality.pb.h"

namespace omni::quality {

// How many scores a record keeps (the most QualityThresholds.last_reviews may count).
inline constexpr int kKeptScores = 50;

// Adds the score `total` of the conversation `conversation_id` (closed at `closed_at`) to the
// record and derives the standing again. A conversation closed before the agent's last
// re-certification does not count (their work since is what the re-certification vouches for):
// false then, and the record is unchanged.
bool AddScore(omnibroker::v1::AgentQuality& record, const std::string& conversation_id, double total,
              TimePoint closed_at, TimePoint now, const Thresholds& thresholds);

// Derives the average (to one decimal, as shown), the standing and why from the record's scores
// under `thresholds`; a standing that changes holds `since` now. An agent off routing stays so
// whatever their scores, until Recertify.
void Derive(omnibroker::v1::AgentQuality& record, const Thresholds& thresholds, TimePoint now);

// A supervisor vouches for the agent again: back in good standing, their scores so far no longer
// counted (they stay in the reviews).
void Recertify(omnibroker::v1::AgentQuality& record, const std::string& by, const std::string& note, TimePoint now);

// "good", "training", "off routing", "no reviews".
std::string StandingName(omnibroker::v1::QualityStanding standing);

}  // namespace omni::quality
