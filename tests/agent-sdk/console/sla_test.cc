// SLA targets: the --sla flag (good and malformed) and which deadline a conversation runs.
#include "sla.h"

#include <gtest/gtest.h>

#include "base/time_util.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::TIER_GOLD;
using omnibroker::v1::TIER_STANDARD;
using omnibroker::v1::TIER_UNSPECIFIED;
using omnibroker::v1::TIER_VIP;

TEST(SlaTest, TheFlagOverridesNamedTiers) {
  auto targets = ParseSlaTargets("vip=60s/3m,standard=1h/2h", DefaultSlaTargets());
  ASSERT_TRUE(targets.ok()) << targets.status();
  EXPECT_EQ((*targets)[TIER_VIP].first_response, 60s);
  EXPECT_EQ((*targets)[TIER_VIP].next_response, 3min);
  EXPECT_EQ((*targets)[TIER_GOLD].first_response, 5min) << "not named: the broker's default";
  EXPECT_EQ((*targets)[TIER_STANDARD].first_response, 1h);
  EXPECT_EQ((*targets)[TIER_UNSPECIFIED].first_response, 1h) << "no tier counts as standard";
  EXPECT_TRUE(ParseSlaTargets("", DefaultSlaTargets()).ok());
}

TEST(SlaTest, MalformedEntriesAreNamed) {
  const struct {
    std::string spec;
    std::string error;
  } cases[] = {
      {"platinum=1m/2m", "--sla entry \"platinum=1m/2m\": expected standard|gold|vip"},
      {"vip", "--sla entry \"vip\": expected standard|gold|vip"},
      {"vip=1m", "expected <first>/<next>"},
      {"vip=1m/2m/3m", "expected <first>/<next>"},
      {"vip=xm/2m", "first response: \"xm\" is not a positive duration"},
      {"vip=1m/0s", "next response: \"0s\" is not a positive duration"},
      {"vip=1m/5", "next response: \"5\" is not a positive duration"},
      {"vip=1d/5m", "first response: unit of \"1d\" is not s, m or h"},
  };
  for (const auto& c : cases) {
    auto targets = ParseSlaTargets(c.spec, DefaultSlaTargets());
    ASSERT_FALSE(targets.ok()) << c.spec;
    EXPECT_NE(std::string(targets.status().message()).find(c.error), std::string::npos)
        << c.spec << " gave " << targets.status();
  }
}

TEST(SlaTest, FirstResponseUntilAnsweredThenNextResponseWhileACustomerWaits) {
  const TimePoint queued = TimePoint{} + 1000h;
  omnibroker::v1::Conversation c;
  *c.mutable_queued_at() = ToProto(queued);
  auto deadline = NextDeadline(c, TIER_VIP, DefaultSlaTargets());
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->kind, "first response");
  EXPECT_EQ(deadline->due, queued + 2min);

  *c.mutable_first_response_at() = ToProto(queued + 1min);
  EXPECT_FALSE(NextDeadline(c, TIER_VIP, DefaultSlaTargets()).has_value())
      << "answered, nothing waits";

  *c.mutable_awaiting_reply_since() = ToProto(queued + 10min);
  deadline = NextDeadline(c, TIER_GOLD, DefaultSlaTargets());
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->kind, "next response");
  EXPECT_EQ(deadline->due, queued + 20min);
  EXPECT_FALSE(NextDeadline(c, TIER_GOLD, SlaTargets{}).has_value()) << "no targets, no deadline";
}

}  // namespace
}  // namespace omni::console
