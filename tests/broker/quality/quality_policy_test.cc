// The quality policy as configured (omnibroker.v1.QualityPolicy, the config file's and Admin's
// form): merged over what is in force, spelled out whole, and refused naming the field when wrong.
#include "broker/quality/quality_policy.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace omni::quality {
namespace {

using namespace std::chrono_literals;

omnibroker::v1::QualityPolicy Parse(const std::string& json) {
  omnibroker::v1::QualityPolicy proto;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &proto);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return proto;
}

// `json` merged over the defaults and checked: OK, or the error's message.
std::string Check(const std::string& json) {
  auto merged = MergeQualityPolicy(QualityPolicy{}, Parse(json));
  if (!merged.ok()) return std::string(merged.status().message());
  const absl::Status valid = Validate(*merged);
  return valid.ok() ? "OK" : std::string(valid.message());
}

constexpr char kTwoCards[] = R"({"scorecards": [
    {"name": "chat", "criteria": [{"name": "greeting", "weight": 1}, {"name": "solved", "weight": 3,
                                   "kind": "CRITERION_THREE_LEVEL"}]},
    {"name": "billing", "queues": ["billing", "refunds"], "criteria": [{"name": "amount right", "weight": 1}]}]})";

TEST(QualityPolicyTest, DefaultsAreTheSeedPractice) {
  const QualityPolicy policy;
  EXPECT_TRUE(policy.scorecards.empty()) << "no scorecard, nothing sampled";
  EXPECT_EQ(policy.thresholds.last_reviews, 5);
  EXPECT_EQ(policy.thresholds.off_routing_below, 45);
  EXPECT_EQ(policy.thresholds.training_below, 76);
  EXPECT_TRUE(Validate(policy).ok());
}

TEST(QualityPolicyTest, AConversationGetsItsQueuesScorecardElseTheOneForEveryQueue) {
  auto policy = MergeQualityPolicy(QualityPolicy{}, Parse(kTwoCards));
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_TRUE(Validate(*policy).ok()) << Validate(*policy);
  EXPECT_EQ(policy->ScorecardFor("refunds")->name(), "billing");
  EXPECT_EQ(policy->ScorecardFor("sales")->name(), "chat");
  EXPECT_EQ(policy->ScorecardFor("")->name(), "chat") << "no queue is the queue \"default\"";

  auto only_billing = MergeQualityPolicy(*policy, Parse(R"({"scorecards": [{"name": "chat"}]})"));
  ASSERT_TRUE(only_billing.ok());
  EXPECT_EQ(only_billing->scorecards.size(), 1u) << "a scorecard given empty is removed";
  EXPECT_EQ(only_billing->ScorecardFor("sales"), nullptr) << "not reviewed: no scorecard for it";
}

TEST(QualityPolicyTest, AChangeKeepsWhatItLeavesOutAndTheWholePolicyMergesBack) {
  auto policy = MergeQualityPolicy(QualityPolicy{}, Parse(kTwoCards));
  ASSERT_TRUE(policy.ok());
  auto changed = MergeQualityPolicy(*policy, Parse(R"({"sampling": {"share": 0.2, "long_handle": "1800s",
      "dispositions": ["complaint", "legal"]}, "thresholds": {"off_routing_below": 50}})"));
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->sampling.share, 0.2);
  EXPECT_EQ(changed->sampling.long_handle, 30min);
  EXPECT_EQ(changed->sampling.short_handle, 30s) << "kept";
  EXPECT_TRUE(changed->sampling.breached) << "kept";
  EXPECT_EQ(changed->sampling.dispositions, (std::vector<std::string>{"complaint", "legal"}));
  EXPECT_EQ(changed->thresholds.off_routing_below, 50);
  EXPECT_EQ(changed->thresholds.training_below, 76) << "kept";
  EXPECT_EQ(changed->scorecards.size(), 2u) << "kept";

  auto off = MergeQualityPolicy(*changed, Parse(R"({"sampling": {"share": 0, "breached": false}})"));
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->sampling.share, 0) << "a zero given is a zero, not a field left out";
  EXPECT_FALSE(off->sampling.breached);

  auto again = MergeQualityPolicy(QualityPolicy{}, QualityPolicyToProto(*changed));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(QualityPolicyToProto(*again).SerializeAsString(), QualityPolicyToProto(*changed).SerializeAsString())
      << "the policy says of itself what merges back";
}

TEST(QualityPolicyTest, MistakesAreRefusedNamingTheField) {
  struct Wrong {
    const char* json;
    const char* error;
  };
  const Wrong cases[] = {
      {R"({"scorecards": [{"criteria": [{"name": "a", "weight": 1}]}]})",
       "routing.quality.scorecards[].name: name the scorecard"},
      {R"({"scorecards": [{"name": "chat", "queues": ["billing"]}]})",
       "routing.quality.scorecards.chat.criteria: a scorecard has at least one criterion"},
      {R"({"scorecards": [{"name": "chat", "criteria": [{"name": "a", "weight": 0}]}]})",
       "routing.quality.scorecards.chat.criteria[0].weight: above 0 and at most 1000, got 0 (a)"},
      {R"({"scorecards": [{"name": "a", "criteria": [{"name": "x", "weight": 1}]},
                          {"name": "b", "criteria": [{"name": "x", "weight": 1}]}]})",
       "routing.quality.scorecards.b.queues: \"a\" names no queue either; one scorecard at most serves the queues "
       "without one of their own"},
      {R"({"scorecards": [{"name": "a", "queues": ["billing"], "criteria": [{"name": "x", "weight": 1}]},
                          {"name": "b", "queues": ["sales", "billing"], "criteria": [{"name": "x", "weight": 1}]}]})",
       "routing.quality.scorecards.b.queues[1]: queue \"billing\" has scorecard \"a\" already"},
      {R"({"scorecards": [{"name": "a", "queues": [""], "criteria": [{"name": "x", "weight": 1}]}]})",
       "routing.quality.scorecards.a.queues[0]: name the queue"},
      {R"({"sampling": {"share": 1.5}})", "routing.quality.sampling.share: 0 to 1, got 1.5"},
      {R"({"sampling": {"share": -0.1}})", "routing.quality.sampling.share: 0 to 1, got -0.1"},
      {R"({"sampling": {"long_handle": "-5s"}})", "routing.quality.sampling.long_handle must not be negative (0 = off)"},
      {R"({"sampling": {"short_handle": "-5s"}})", "routing.quality.sampling.short_handle must not be negative (0 = off)"},
      {R"({"sampling": {"short_handle": "3600s"}})", "routing.quality.sampling.short_handle must be shorter than long_handle"},
      {R"({"sampling": {"dispositions": ["complaint", ""]}})",
       "routing.quality.sampling.dispositions[1]: name the disposition"},
      {R"({"thresholds": {"last_reviews": 0}})", "routing.quality.thresholds.last_reviews: 1 to 50, got 0"},
      {R"({"thresholds": {"last_reviews": 51}})", "routing.quality.thresholds.last_reviews: 1 to 50, got 51"},
      {R"({"thresholds": {"off_routing_below": 101}})",
       "routing.quality.thresholds.off_routing_below: 0 to 100, got 101"},
      {R"({"thresholds": {"training_below": 40}})",
       "routing.quality.thresholds.training_below (at least off_routing_below): 45 to 100, got 40"},
  };
  for (const Wrong& w : cases) EXPECT_EQ(Check(w.json), w.error) << w.json;
  EXPECT_EQ(Check(R"({"sampling": {"long_handle": "0s", "short_handle": "3600s"}})"), "OK") << "no long handle rule";
  EXPECT_EQ(Check(kTwoCards), "OK");
}

}  // namespace
}  // namespace omni::quality
