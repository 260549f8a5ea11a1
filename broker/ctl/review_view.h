// Quality reviews (Admin ListReviews, GetReview, ScoreReview) as text, and a reviewer's answers as
// typed on the command line, for `omnictl review`.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "omnibroker/v1/admin.pb.h"

namespace omni::ctl {

// The review queue: waiting ones with why they were picked, scored ones with their total.
std::string RenderReviews(const omnibroker::v1::ListReviewsResponse& reviews, bool scored);
// One review: the conversation's facts, why it was picked, the scorecard (with the answers once
// scored), the conversation's messages and the agent's standing.
std::string RenderReview(const omnibroker::v1::ReviewDetail& detail);
// An agent's record in a few words: "off routing (30.0)", "training (60.0)", "good (90.0)"; "-"
// without a record.
std::string StandingLine(const omnibroker::v1::AgentQuality& record);
// The agent's record in a sentence: standing, why, since when.
std::string StandingSentence(const omnibroker::v1::AgentQuality& record);

// "<criterion>=<answer>" words, answers yes, partly, no or n/a ("greeting=yes",
// "amount right=n/a"); INVALID_ARGUMENT naming the word otherwise.
absl::StatusOr<std::vector<omnibroker::v1::CriterionAnswer>> ParseAnswers(const std::vector<std::string>& words);

}  // namespace omni::ctl
