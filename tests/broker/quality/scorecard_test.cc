// Scorecard arithmetic on the seed practice's examples: weighted criteria, three-level answers
// (partly = half the weight) and "not applicable" left out of the maximum, a total on 0 to 100;
// and the answers a reviewer cannot give, refused naming the answer.
#include "broker/quality/scorecard.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <vector>

namespace omni::quality {
namespace {

using omnibroker::v1::Answer;
using omnibroker::v1::ANSWER_NO;
using omnibroker::v1::ANSWER_NOT_APPLICABLE;
using omnibroker::v1::ANSWER_PARTIAL;
using omnibroker::v1::ANSWER_UNSPECIFIED;
using omnibroker::v1::ANSWER_YES;

omnibroker::v1::Scorecard Card(const std::string& json) {
  omnibroker::v1::Scorecard card;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &card);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return card;
}

// The seed's support scorecard: 100 points over five criteria, two of them yes/no.
const omnibroker::v1::Scorecard& Support() {
  static const omnibroker::v1::Scorecard card = Card(R"({"name": "support", "criteria": [
      {"name": "greeting", "weight": 10, "kind": "CRITERION_BINARY"},
      {"name": "need", "weight": 20, "kind": "CRITERION_THREE_LEVEL"},
      {"name": "solution", "weight": 40, "kind": "CRITERION_THREE_LEVEL"},
      {"name": "tone", "weight": 20, "kind": "CRITERION_THREE_LEVEL"},
      {"name": "closing", "weight": 10}]})");
  return card;
}

google::protobuf::RepeatedPtrField<omnibroker::v1::CriterionAnswer> Answers(
    const std::vector<std::pair<std::string, Answer>>& given) {
  google::protobuf::RepeatedPtrField<omnibroker::v1::CriterionAnswer> out;
  for (const auto& [criterion, answer] : given) {
    auto* a = out.Add();
    a->set_criterion(criterion);
    a->set_answer(answer);
  }
  return out;
}

struct Case {
  const char* what;
  std::vector<Answer> answers;  // greeting, need, solution, tone, closing
  double total;
};

TEST(ScorecardTest, TotalsOfTheSeedsExamples) {
  const Case cases[] = {
      {"every criterion met", {ANSWER_YES, ANSWER_YES, ANSWER_YES, ANSWER_YES, ANSWER_YES}, 100},
      {"none met", {ANSWER_NO, ANSWER_NO, ANSWER_NO, ANSWER_NO, ANSWER_NO}, 0},
      {"weighted: the solution alone", {ANSWER_NO, ANSWER_NO, ANSWER_YES, ANSWER_NO, ANSWER_NO}, 40},
      {"weighted: all but the solution", {ANSWER_YES, ANSWER_YES, ANSWER_NO, ANSWER_YES, ANSWER_YES}, 60},
      {"3-level: partly is half the weight", {ANSWER_YES, ANSWER_PARTIAL, ANSWER_YES, ANSWER_PARTIAL, ANSWER_NO}, 70},
      {"3-level: a partial solution", {ANSWER_YES, ANSWER_YES, ANSWER_PARTIAL, ANSWER_YES, ANSWER_YES}, 80},
      {"n/a out of the maximum: 80 of 90",
       {ANSWER_NOT_APPLICABLE, ANSWER_YES, ANSWER_YES, ANSWER_YES, ANSWER_NO}, 88.9},
      {"n/a neither helps nor hurts",
       {ANSWER_NOT_APPLICABLE, ANSWER_YES, ANSWER_YES, ANSWER_YES, ANSWER_NOT_APPLICABLE}, 100},
      {"n/a and partly: 20 of 40", {ANSWER_NOT_APPLICABLE, ANSWER_NOT_APPLICABLE, ANSWER_PARTIAL,
                                    ANSWER_NOT_APPLICABLE, ANSWER_NOT_APPLICABLE}, 50},
      {"a poor conversation: below 45", {ANSWER_YES, ANSWER_PARTIAL, ANSWER_NO, ANSWER_PARTIAL, ANSWER_YES}, 40},
      {"to one decimal: 20 of 30", {ANSWER_NOT_APPLICABLE, ANSWER_YES, ANSWER_NOT_APPLICABLE, ANSWER_NOT_APPLICABLE,
                                     ANSWER_NO}, 66.7},
  };
  const char* names[] = {"greeting", "need", "solution", "tone", "closing"};
  for (const Case& c : cases) {
    std::vector<std::pair<std::string, Answer>> given;
    for (size_t i = 0; i < c.answers.size(); ++i) given.emplace_back(names[i], c.answers[i]);
    auto total = ScoreTotal(Support(), Answers(given));
    ASSERT_TRUE(total.ok()) << c.what << ": " << total.status();
    EXPECT_DOUBLE_EQ(*total, c.total) << c.what;
  }
}

// docs/quality.md's table, on its three-criteria card.
TEST(ScorecardTest, TheDocsExamples) {
  const auto card = Card(R"({"name": "support", "criteria": [{"name": "greeting", "weight": 10},
      {"name": "solution", "weight": 40, "kind": "CRITERION_THREE_LEVEL"},
      {"name": "tone", "weight": 20, "kind": "CRITERION_THREE_LEVEL"}]})");
  const struct {
    Answer greeting, solution, tone;
    double total;
  } rows[] = {{ANSWER_YES, ANSWER_YES, ANSWER_YES, 100},
              {ANSWER_YES, ANSWER_PARTIAL, ANSWER_YES, 71.4},
              {ANSWER_NOT_APPLICABLE, ANSWER_YES, ANSWER_NO, 66.7},
              {ANSWER_NO, ANSWER_PARTIAL, ANSWER_NO, 28.6}};
  for (const auto& row : rows) {
    auto total = ScoreTotal(card, Answers({{"greeting", row.greeting}, {"solution", row.solution}, {"tone", row.tone}}));
    ASSERT_TRUE(total.ok()) << total.status();
    EXPECT_DOUBLE_EQ(*total, row.total);
  }
}

TEST(ScorecardTest, TheOrderOfTheAnswersDoesNotMatter) {
  auto total = ScoreTotal(Support(), Answers({{"closing", ANSWER_NO},
                                              {"tone", ANSWER_PARTIAL},
                                              {"solution", ANSWER_YES},
                                              {"need", ANSWER_PARTIAL},
                                              {"greeting", ANSWER_YES}}));
  ASSERT_TRUE(total.ok()) << total.status();
  EXPECT_DOUBLE_EQ(*total, 70);
}

TEST(ScorecardTest, AnswersAReviewerCannotGiveAreRefusedNamingTheAnswer) {
  const std::vector<std::pair<std::string, Answer>> good = {
      {"greeting", ANSWER_YES}, {"need", ANSWER_YES}, {"solution", ANSWER_YES}, {"tone", ANSWER_YES}, {"closing", ANSWER_YES}};
  struct Wrong {
    std::vector<std::pair<std::string, Answer>> answers;
    std::string error;
  };
  auto with = [&](size_t index, std::pair<std::string, Answer> answer) {
    auto answers = good;
    answers[index] = std::move(answer);
    return answers;
  };
  auto without_closing = good;
  without_closing.pop_back();
  auto twice = good;
  twice.emplace_back("tone", ANSWER_NO);
  const Wrong cases[] = {
      {with(0, {"greeting", ANSWER_PARTIAL}),
       "answers[0].answer: \"greeting\" is a yes/no criterion; partly is no answer to it"},
      {with(4, {"closing", ANSWER_PARTIAL}),
       "answers[4].answer: \"closing\" is a yes/no criterion; partly is no answer to it"},
      {with(2, {"speed", ANSWER_YES}),
       "answers[2].criterion: scorecard \"support\" has no \"speed\" (its criteria: greeting, need, solution, tone, "
       "closing)"},
      {with(1, {"need", ANSWER_UNSPECIFIED}), "answers[1].answer: yes, partly, no or n/a for \"need\""},
      {without_closing, "answers: \"closing\" is not answered (n/a is an answer)"},
      {twice, "answers[5].criterion: \"tone\" is answered twice"},
      {{{"greeting", ANSWER_NOT_APPLICABLE},
        {"need", ANSWER_NOT_APPLICABLE},
        {"solution", ANSWER_NOT_APPLICABLE},
        {"tone", ANSWER_NOT_APPLICABLE},
        {"closing", ANSWER_NOT_APPLICABLE}},
       "answers: every criterion is n/a; there is nothing to score"},
  };
  for (const Wrong& w : cases) {
    auto total = ScoreTotal(Support(), Answers(w.answers));
    ASSERT_FALSE(total.ok()) << w.error;
    EXPECT_EQ(total.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(total.status().message(), w.error);
  }
}

TEST(ScorecardTest, AScorecardAsConfiguredIsCheckedNamingTheField) {
  EXPECT_TRUE(ValidateScorecard(Support(), "routing.quality.scorecards.support").ok());
  struct Wrong {
    const char* json;
    const char* error;
  };
  const Wrong cases[] = {
      {R"({"name": "s"})", "s.criteria: a scorecard has at least one criterion"},
      {R"({"name": "s", "criteria": [{"weight": 1}]})", "s.criteria[0].name: name the criterion"},
      {R"({"name": "s", "criteria": [{"name": "a", "weight": 1}, {"name": "a", "weight": 2}]})",
       "s.criteria[1].name: \"a\" is named twice"},
      {R"({"name": "s", "criteria": [{"name": "a"}]})", "s.criteria[0].weight: above 0 and at most 1000, got 0 (a)"},
      {R"({"name": "s", "criteria": [{"name": "a", "weight": -2}]})",
       "s.criteria[0].weight: above 0 and at most 1000, got -2 (a)"},
      {R"({"name": "s", "criteria": [{"name": "a", "weight": 1001}]})",
       "s.criteria[0].weight: above 0 and at most 1000, got 1001 (a)"},
  };
  for (const Wrong& w : cases) {
    const absl::Status s = ValidateScorecard(Card(w.json), "s");
    EXPECT_EQ(s.message(), w.error) << w.json;
  }
  omnibroker::v1::Scorecard unknown_kind = Support();
  unknown_kind.mutable_criteria(1)->set_kind(static_cast<omnibroker::v1::CriterionKind>(7));
  EXPECT_EQ(ValidateScorecard(unknown_kind, "s").message(), "s.criteria[1].kind: CRITERION_BINARY or CRITERION_THREE_LEVEL, got 7");
}

}  // namespace
}  // namespace omni::quality
