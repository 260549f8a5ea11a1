#include "broker/quality/scorecard.h"

#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace omni::quality {
namespace {

using omnibroker::v1::Answer;
using omnibroker::v1::CriterionKind;

constexpr double kMaxWeight = 1000;

std::string CriterionNames(const omnibroker::v1::Scorecard& card) {
  std::vector<std::string> names;
  for (const auto& c : card.criteria()) names.push_back(c.name());
  return absl::StrJoin(names, ", ");
}

}  // namespace

std::string KindName(CriterionKind kind) {
  return kind == omnibroker::v1::CRITERION_THREE_LEVEL ? "3-level" : "binary";
}

absl::Status ValidateScorecard(const omnibroker::v1::Scorecard& card, const std::string& field) {
  if (card.criteria().empty()) return absl::InvalidArgumentError(field + ".criteria: a scorecard has at least one criterion");
  std::set<std::string> seen;
  for (int i = 0; i < card.criteria_size(); ++i) {
    const auto& c = card.criteria(i);
    const std::string at = absl::StrCat(field, ".criteria[", i, "]");
    if (c.name().empty()) return absl::InvalidArgumentError(at + ".name: name the criterion");
    if (!seen.insert(c.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".name: \"", c.name(), "\" is named twice"));
    }
    if (!std::isfinite(c.weight()) || c.weight() <= 0 || c.weight() > kMaxWeight) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".weight: above 0 and at most ", kMaxWeight, ", got ", c.weight(), " (", c.name(), ")"));
    }
    if (!omnibroker::v1::CriterionKind_IsValid(c.kind())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".kind: CRITERION_BINARY or CRITERION_THREE_LEVEL, got ",
                                                     static_cast<int>(c.kind())));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<double> ScoreTotal(const omnibroker::v1::Scorecard& card,
                                  const google::protobuf::RepeatedPtrField<omnibroker::v1::CriterionAnswer>& answers) {
  std::vector<const omnibroker::v1::CriterionAnswer*> by_criterion(card.criteria_size(), nullptr);
  for (int i = 0; i < answers.size(); ++i) {
    const auto& a = answers[i];
    const std::string at = absl::StrCat("answers[", i, "]");
    int index = -1;
    for (int c = 0; c < card.criteria_size(); ++c) {
      if (card.criteria(c).name() == a.criterion()) index = c;
    }
    if (index < 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".criterion: scorecard \"", card.name(), "\" has no \"",
                                                     a.criterion(), "\" (its criteria: ", CriterionNames(card), ")"));
    }
    if (by_criterion[index] != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".criterion: \"", a.criterion(), "\" is answered twice"));
    }
    const auto& criterion = card.criteria(index);
    switch (a.answer()) {
      case omnibroker::v1::ANSWER_YES:
      case omnibroker::v1::ANSWER_NO:
      case omnibroker::v1::ANSWER_NOT_APPLICABLE:
        break;
      case omnibroker::v1::ANSWER_PARTIAL:
        if (criterion.kind() != omnibroker::v1::CRITERION_THREE_LEVEL) {
          return absl::InvalidArgumentError(absl::StrCat(at, ".answer: \"", a.criterion(),
                                                         "\" is a yes/no criterion; partly is no answer to it"));
        }
        break;
      default:
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".answer: yes, partly, no or n/a for \"", a.criterion(), "\""));
    }
    by_criterion[index] = &a;
  }
  double earned = 0, maximum = 0;
  for (int c = 0; c < card.criteria_size(); ++c) {
    const auto& criterion = card.criteria(c);
    if (by_criterion[c] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("answers: \"", criterion.name(), "\" is not answered (n/a is an answer)"));
    }
    const Answer answer = by_criterion[c]->answer();
    if (answer == omnibroker::v1::ANSWER_NOT_APPLICABLE) continue;
    maximum += criterion.weight();
    if (answer == omnibroker::v1::ANSWER_YES) earned += criterion.weight();
    if (answer == omnibroker::v1::ANSWER_PARTIAL) earned += criterion.weight() / 2;
  }
  if (maximum == 0) return absl::InvalidArgumentError("answers: every criterion is n/a; there is nothing to score");
  // To one decimal, as the reviewer and the agent read it: the standing compares what they see.
  return std::round(1000 * earned / maximum) / 10;
}

}  // namespace omni::quality
