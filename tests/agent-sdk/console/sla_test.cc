// Which deadline a conversation runs, from the targets the broker sent with it.
#include "sla.h"

#include <gtest/gtest.h>

#include "base/time_util.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;

omnibroker::v1::ServiceTargets Targets(Duration first, Duration next) {
  omnibroker::v1::ServiceTargets t;
  *t.mutable_first_response() = ToProto(first);
  *t.mutable_next_response() = ToProto(next);
  return t;
}

TEST(SlaTest, FirstResponseUntilAnsweredThenNextResponseWhileACustomerWaits) {
  const TimePoint queued = TimePoint{} + 1000h;
  const auto targets = Targets(90s, 7min);  // not the broker's defaults: whatever it sends counts
  omnibroker::v1::Conversation c;
  *c.mutable_queued_at() = ToProto(queued);
  auto deadline = NextDeadline(c, targets);
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->kind, "first response");
  EXPECT_EQ(deadline->due, queued + 90s);

  *c.mutable_first_response_at() = ToProto(queued + 1min);
  EXPECT_FALSE(NextDeadline(c, targets).has_value()) << "answered, nothing waits";

  *c.mutable_awaiting_reply_since() = ToProto(queued + 10min);
  deadline = NextDeadline(c, targets);
  ASSERT_TRUE(deadline.has_value());
  EXPECT_EQ(deadline->kind, "next response");
  EXPECT_EQ(deadline->due, queued + 17min);
}

TEST(SlaTest, NoTargetsFromTheBrokerNoDeadline) {
  omnibroker::v1::Conversation c;
  *c.mutable_queued_at() = ToProto(TimePoint{} + 1000h);
  *c.mutable_awaiting_reply_since() = ToProto(TimePoint{} + 1001h);
  EXPECT_FALSE(NextDeadline(c, omnibroker::v1::ServiceTargets()).has_value());
}

}  // namespace
}  // namespace omni::console
