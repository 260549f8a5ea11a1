// Which closed conversations go to review: a share picked by the conversation's id, the same pick
// every time, about the share over many; and always those a rule names.
#include "broker/quality/sampling.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "base/time_util.h"

namespace omni::quality {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint{} + std::chrono::hours(24 * 20000);

// A conversation `agent` accepted at kStart and closed `handled` later.
omnibroker::v1::Conversation Closed(const std::string& id, const std::string& agent, Duration handled) {
  omnibroker::v1::Conversation c;
  c.set_id(id);
  c.set_state(omnibroker::v1::CONVERSATION_STATE_CLOSED);
  auto* a = c.add_assignments();
  a->set_agent_id(agent);
  *a->mutable_started_at() = ToProto(kStart);
  *a->mutable_ended_at() = ToProto(kStart + handled);
  a->set_end_reason("closed");
  return c;
}

TEST(SamplingTest, TheShareIsPickedByIdTheSameEveryTime) {
  int picked = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string id = absl::StrCat("c_", i, "_4f2a");
    const bool in = InShare(id, 0.1);
    EXPECT_EQ(InShare(id, 0.1), in) << id;
    if (in) {
      EXPECT_TRUE(InShare(id, 0.5)) << "a larger share picks what a smaller one did";
    }
    picked += in;
  }
  EXPECT_GT(picked, 1800);
  EXPECT_LT(picked, 2200);
  EXPECT_FALSE(InShare("c_1", 0));
  EXPECT_TRUE(InShare("c_1", 1));
}

TEST(SamplingTest, RulesPickWhatTheShareDoesNot) {
  const Sampling rules{.share = 0, .long_handle = 1h, .short_handle = 30s, .dispositions = {"complaint"}};
  EXPECT_TRUE(SampleReasons(rules, Closed("c1", "alice", 10min), "alice").empty()) << "an ordinary one";

  auto breached = Closed("c2", "alice", 10min);
  breached.add_breaches()->set_kind("first_response");
  breached.add_breaches()->set_kind("next_response");
  breached.add_breaches()->set_kind("next_response");
  EXPECT_EQ(SampleReasons(rules, breached, "alice"),
            (std::vector<std::string>{"breached first_response", "breached next_response"}));

  auto transferred = Closed("c3", "alice", 10min);
  auto* first = transferred.mutable_assignments(0);
  first->set_agent_id("boris");
  first->set_end_reason("transferred");
  auto* second = transferred.add_assignments();
  second->set_agent_id("alice");
  *second->mutable_started_at() = ToProto(kStart + 10min);
  *second->mutable_ended_at() = ToProto(kStart + 20min);
  EXPECT_EQ(SampleReasons(rules, transferred, "alice"), (std::vector<std::string>{"transferred"}));
  EXPECT_EQ(HandleTime(transferred, "alice"), 10min) << "alice's part only";

  EXPECT_EQ(SampleReasons(rules, Closed("c4", "alice", 61min), "alice"), (std::vector<std::string>{"long handle"}));
  EXPECT_EQ(SampleReasons(rules, Closed("c5", "alice", 20s), "alice"), (std::vector<std::string>{"short handle"}));
  auto complaint = Closed("c6", "alice", 10min);
  complaint.set_disposition("complaint");
  EXPECT_EQ(SampleReasons(rules, complaint, "alice"), (std::vector<std::string>{"disposition complaint"}));

  const Sampling off{.share = 0, .breached = false, .transferred = false, .long_handle = {}, .short_handle = {}};
  EXPECT_TRUE(SampleReasons(off, breached, "alice").empty());
  EXPECT_TRUE(SampleReasons(off, transferred, "alice").empty());
  EXPECT_TRUE(SampleReasons(off, Closed("c5", "alice", 1s), "alice").empty());
  EXPECT_TRUE(SampleReasons(off, complaint, "alice").empty());

  const Sampling all{.share = 1};
  EXPECT_EQ(SampleReasons(all, Closed("c1", "alice", 10min), "alice"), (std::vector<std::string>{"share"}));
}

}  // namespace
}  // namespace omni::quality
