// Scorecard arithmetic: a review's answers to a scorecard's criteria into a total on 0 to 100.
// Each criterion answered yes earns its weight, partly (three-level criteria only) half of it, no
// nothing; a criterion not applicable to the conversation is left out of the maximum, so it
// neither helps nor hurts. Pure: no I/O, no clock.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "omnibroker/v1/quality.pb.h"

namespace omni::quality {

// The total of `answers` on `card`, 0 to 100. Every criterion is answered exactly once, and no
// answer names a criterion the card has not; PARTIAL only for a three-level criterion; at least
// one criterion applicable. INVALID_ARGUMENT naming the answer (answers[2]) otherwise.
absl::StatusOr<double> ScoreTotal(
    const omnibroker::v1::Scorecard& card,
    const google::protobuf::RepeatedPtrField<omnibroker::v1::CriterionAnswer>& answers);

// A scorecard as configured: a name, criteria named once each with a finite weight above 0 (at
// most 1000) and a known kind. `field` names it in the error ("routing.quality.scorecards.chat").
absl::Status ValidateScorecard(const omnibroker::v1::Scorecard& card, const std::string& field);

// "binary" or "3-level", as reviewers read it.
std::string KindName(omnibroker::v1::CriterionKind kind);

}  // namespace omni::quality
