// AgentOutbox: numbering, replay after a lost stream (and when it cannot replay), and request
// results kept so a resent request is answered as the first time.
#include "broker/core/agent_outbox.h"

#include <gtest/gtest.h>

namespace omni::core {
namespace {

using omnibroker::v1::AgentUpdate;

AgentUpdate Message(const std::string& event_id) {
  AgentUpdate u;
  u.mutable_message()->mutable_event()->set_id(event_id);
  return u;
}

AgentUpdate Result(const std::string& request_id, int code) {
  AgentUpdate u;
  u.mutable_result()->set_request_id(request_id);
  u.mutable_result()->set_code(code);
  return u;
}

std::vector<std::string> Ids(const std::vector<AgentUpdate>& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates)
    out.push_back(u.has_message() ? u.message().event().id() : u.result().request_id());
  return out;
}

TEST(AgentOutboxTest, NumbersUpdatesAndReplaysWhatCameAfter) {
  AgentOutbox outbox;
  outbox.Reset("s1");
  EXPECT_EQ(outbox.Stamp(Message("a")).sequence(), 1u);
  EXPECT_EQ(outbox.Stamp(Message("b")).sequence(), 2u);
  EXPECT_EQ(outbox.Stamp(Message("c")).sequence(), 3u);
  auto replay = outbox.Since("s1", 1);
  ASSERT_TRUE(replay.has_value());
  EXPECT_EQ(Ids(*replay), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ((*replay)[0].sequence(), 2u);
  ASSERT_TRUE(outbox.Since("s1", 3).has_value());
  EXPECT_TRUE(outbox.Since("s1", 3)->empty());
  ASSERT_TRUE(outbox.Since("s1", 0).has_value());
  EXPECT_EQ(outbox.Since("s1", 0)->size(), 3u);
}

TEST(AgentOutboxTest, CannotReplayAnotherSessionAGapOrTheFuture) {
  AgentOutbox outbox(2);
  outbox.Reset("s1");
  for (const char* id : {"a", "b", "c", "d"}) outbox.Stamp(Message(id));
  EXPECT_FALSE(outbox.Since("s0", 4).has_value()) << "another session";
  EXPECT_FALSE(outbox.Since("", 0).has_value()) << "no session named";
  EXPECT_FALSE(outbox.Since("s1", 1).has_value()) << "2 was dropped from the buffer";
  EXPECT_FALSE(outbox.Since("s1", 5).has_value()) << "more than was sent";
  ASSERT_TRUE(outbox.Since("s1", 2).has_value());
  EXPECT_EQ(Ids(*outbox.Since("s1", 2)), (std::vector<std::string>{"c", "d"}));
  outbox.Reset("s2");
  EXPECT_FALSE(outbox.Since("s1", 4).has_value());
  EXPECT_EQ(outbox.Stamp(Message("e")).sequence(), 1u);
}

TEST(AgentOutboxTest, KeepsRequestResultsOfTheSession) {
  AgentOutbox outbox(2);
  outbox.Reset("s1");
  EXPECT_EQ(outbox.Status("r-1"), AgentOutbox::Request::kNew);
  outbox.Started("r-1");
  EXPECT_EQ(outbox.Status("r-1"), AgentOutbox::Request::kRunning);
  outbox.Stamp(Result("r-1", 5));
  ASSERT_EQ(outbox.Status("r-1"), AgentOutbox::Request::kAnswered);
  EXPECT_EQ(outbox.Result("r-1").code(), 5);
  // Bounded: the oldest result goes first.
  outbox.Stamp(Result("r-2", 0));
  outbox.Stamp(Result("r-3", 0));
  EXPECT_EQ(outbox.Status("r-1"), AgentOutbox::Request::kNew);
  EXPECT_EQ(outbox.Status("r-3"), AgentOutbox::Request::kAnswered);
  // A result without a request id (a failed delivery) is no request's.
  outbox.Stamp(Result("", 9));
  EXPECT_EQ(outbox.Status(""), AgentOutbox::Request::kNew);
  outbox.Reset("s2");
  EXPECT_EQ(outbox.Status("r-3"), AgentOutbox::Request::kNew);
}

}  // namespace
}  // namespace omni::core
