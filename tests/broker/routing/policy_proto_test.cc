// The routing policy as configured (omnibroker.v1.RoutingPolicy, the config file's and Admin's
// form) merged into the engine's: what a change leaves out keeps its value, and what is wrong is
// refused naming the field.
#include "broker/routing/policy_proto.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

namespace omni::routing {
namespace {

using omnibroker::v1::CHANNEL_CHAT;
using omnibroker::v1::CHANNEL_MESSENGER;
using omnibroker::v1::CHANNEL_UNSPECIFIED;

omnibroker::v1::RoutingPolicy Parse(const std::string& json) {
  omnibroker::v1::RoutingPolicy proto;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &proto);
  EXPECT_TRUE(status.ok()) << status.message() << " in " << json;
  return proto;
}

TEST(PolicyProtoTest, AChannelChangeThatLeavesOutTheCapacityPoolKeepsIt) {
  const RoutingPolicy base = DefaultRoutingPolicy();
  ASSERT_EQ(base.PoolOf(CHANNEL_MESSENGER), CHANNEL_CHAT);
  auto merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_MESSENGER", "effort_weight": 2}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->PoolOf(CHANNEL_MESSENGER), CHANNEL_CHAT) << "messengers still share chat units";
  EXPECT_EQ(merged->ForChannel(CHANNEL_MESSENGER).effort_weight, 2);

  merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_MESSENGER", "capacity_pool": "CHANNEL_UNSPECIFIED"}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->PoolOf(CHANNEL_MESSENGER), CHANNEL_MESSENGER) << "named unspecified: its own units";
  EXPECT_EQ(merged->ForChannel(CHANNEL_MESSENGER).capacity_pool, CHANNEL_UNSPECIFIED);
}

TEST(PolicyProtoTest, AChannelsReplyTimeoutIsItsOwnOrThePolicys) {
  const RoutingPolicy base = DefaultRoutingPolicy();
  EXPECT_EQ(base.ReplyTimeout(CHANNEL_CHAT), base.reply_timeout);
  EXPECT_EQ(base.ReplyTimeout(omnibroker::v1::CHANNEL_EMAIL), 30min) << "an email takes longer to write";
  auto merged = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_CHAT", "reply_timeout": "90s"}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->ReplyTimeout(CHANNEL_CHAT), 90s);
  auto again = MergePolicy(DefaultRoutingPolicy(), PolicyToProto(*merged));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ReplyTimeout(CHANNEL_CHAT), 90s) << "the policy says of itself what merges back";
  auto negative = MergePolicy(base, Parse(R"({"channels": [{"channel": "CHANNEL_CHAT", "reply_timeout": "-1s"}]})"));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(), "channels.CHANNEL_CHAT.reply_timeout must not be negative");
}

TEST(PolicyProtoTest, QueueRulesMergeQueueByQueue) {
  auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(R"({"queues": [
      {"queue": "billing", "steps": [{"skills": [{"skill": "billing", "min_proficiency": 7}], "wait_seconds": 120},
                                     {"skills": [{"skill": "billing", "min_proficiency": 1}], "language": "*"}]}]})"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->queues.at("billing").size(), 2u);
  EXPECT_EQ(merged->queues.at("billing")[1].language(), "*");

  auto more = MergePolicy(*merged, Parse(R"({"queues": [{"queue": "sales", "steps": [{"language": "de"}]}]})"));
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_EQ(more->queues.size(), 2u) << "billing is kept";

  auto removed = MergePolicy(*more, Parse(R"({"queues": [{"queue": "billing"}]})"));
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_FALSE(removed->queues.contains("billing"));
  EXPECT_TRUE(removed->queues.contains("sales"));

  // What the policy says of itself merges back to the same rules (omnictl policy, then set).
  auto again = MergePolicy(DefaultRoutingPolicy(), PolicyToProto(*more));
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->queues.size(), 2u);
  EXPECT_EQ(again->queues.at("billing")[0].wait_seconds(), 120);
  EXPECT_EQ(again->queues.at("billing")[0].skills(0).min_proficiency(), 7);
}

TEST(PolicyProtoTest, BadQueueRulesAreRefusedNamingTheField) {
  const struct {
    const char* json;
    const char* error;  // a part of the message
  } cases[] = {
      {R"({"queues": [{"steps": [{"language": "de"}]}]})", "routing.queues[].queue: name the queue"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"skill": "billing", "min_proficiency": 11}]}]}]})",
       "routing.queues.billing.steps[0].skills[0] billing: min_proficiency must be 1–10, got 11"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"skill": "billing"}]}]}]})",
       "min_proficiency must be 1–10, got 0"},
      {R"({"queues": [{"queue": "billing", "steps": [{"skills": [{"min_proficiency": 3}]}]}]})",
       "routing.queues.billing.steps[0].skills[0]: name the skill"},
      {R"({"queues": [{"queue": "q", "steps": [{}, {"skills": [{"skill": "a", "min_proficiency": 3},
                                                                 {"skill": "a", "min_proficiency": 5}]}]}]})",
       "routing.queues.q.steps[1].skills: a is named twice"},
      {R"({"queues": [{"queue": "q", "steps": [{"language": "english please"}]}]})",
       "routing.queues.q.steps[0].language: \"english please\" is not"},
      {R"({"queues": [{"queue": "q", "steps": [{"language": "en-"}]}]})", "language: \"en-\" is not"},
      {R"({"queues": [{"queue": "q", "steps": [{"wait_seconds": -5}]}]})",
       "routing.queues.q.steps[0].wait_seconds must not be negative, got -5"},
  };
  for (const auto& c : cases) {
    auto merged = MergePolicy(DefaultRoutingPolicy(), Parse(c.json));
    ASSERT_FALSE(merged.ok()) << c.json;
    EXPECT_EQ(merged.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_NE(merged.status().message().find(c.error), absl::string_view::npos)
        << c.json << " -> " << merged.status().message();
  }
  for (const char* good : {"en", "pt-BR", "zh-Hant", "*", ""}) {
    omnibroker::v1::RoutingPolicy proto;
    auto* rule = proto.add_queues();
    rule->set_queue("q");
    rule->add_steps()->set_language(good);
    EXPECT_TRUE(MergePolicy(DefaultRoutingPolicy(), proto).ok()) << good;
  }
}

}  // namespace
}  // namespace omni::routing
