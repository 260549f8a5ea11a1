#include "connectors/webchat/mailbox.h"

#include <gtest/gtest.h>

#include <thread>

namespace omni::connectors::webchat {
namespace {

const auto kNow = [] { return std::chrono::steady_clock::now(); };

TEST(MailboxTest, KeepsBothSidesInOrderWithIndexes) {
  Mailbox box;
  EXPECT_TRUE(box.Add("v1", Mailbox::From::kVisitor, "webchat:v1:m-1", R"({"from":"visitor"})"));
  EXPECT_TRUE(box.Add("v1", Mailbox::From::kAgent, "agent-reply-1", R"({"from":"agent"})"));
  auto all = box.WaitAfter("v1", 0, kNow());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].index, 1u);
  EXPECT_EQ(all[0].json, R"({"from":"visitor"})");
  EXPECT_EQ(all[1].index, 2u);
  auto after_first = box.WaitAfter("v1", 1, kNow());
  ASSERT_EQ(after_first.size(), 1u);
  EXPECT_EQ(after_first[0].event_id, "agent-reply-1");
  EXPECT_TRUE(box.WaitAfter("v2", 0, kNow()).empty());
  auto agent_only = box.WaitAfter("v1", 0, kNow(), /*agent_only=*/true);
  ASSERT_EQ(agent_only.size(), 1u);
  EXPECT_EQ(agent_only[0].index, 2u);
}

TEST(MailboxTest, AgentOnlyWaitIgnoresTheVisitorsOwnMessages) {
  Mailbox box;
  box.Add("v1", Mailbox::From::kVisitor, "m-1", "{}");
  std::thread replier([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    box.Add("v1", Mailbox::From::kAgent, "r-1", "{}");
  });
  auto got = box.WaitAfter("v1", 0, kNow() + std::chrono::seconds(10), /*agent_only=*/true);
  replier.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event_id, "r-1");
}

TEST(MailboxTest, SameEventIdIsKeptOnce) {
  Mailbox box;
  EXPECT_TRUE(box.Add("v1", Mailbox::From::kAgent, "e1", "{}"));
  EXPECT_FALSE(box.Add("v1", Mailbox::From::kAgent, "e1", "{}"));
  EXPECT_EQ(box.WaitAfter("v1", 0, kNow()).size(), 1u);
}

TEST(MailboxTest, BoundedToTheNewestMessages) {
  Mailbox box;
  for (size_t i = 0; i < Mailbox::kMaxPerVisitor + 3; ++i) box.Add("v1", Mailbox::From::kAgent, std::to_string(i), "{}");
  auto all = box.WaitAfter("v1", 0, kNow());
  ASSERT_EQ(all.size(), Mailbox::kMaxPerVisitor);
  EXPECT_EQ(all.front().index, 4u);
  EXPECT_TRUE(box.Add("v1", Mailbox::From::kAgent, "0", "{}"));  // forgotten with its message
}

TEST(MailboxTest, WaiterWakesOnAddAndOnShutdown) {
  Mailbox box;
  std::thread adder([&] { box.Add("v1", Mailbox::From::kAgent, "e1", "{}"); });
  auto got = box.WaitAfter("v1", 0, kNow() + std::chrono::seconds(10));
  adder.join();
  EXPECT_EQ(got.size(), 1u);
  std::thread stopper([&] { box.Shutdown(); });
  auto none = box.WaitAfter("v1", 1, kNow() + std::chrono::seconds(10));
  stopper.join();
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(box.IsShutDown());
}

// An agent answers before the broker's ack of the visitor's message reaches the connector: the
// answer still comes after the question, and a reader waiting meanwhile gets both in order once
// the question is kept (before, the question was added on the ack, after the answer).
TEST(MailboxTest, AnAnswerDeliveredBeforeTheQuestionsAckStillComesAfterIt) {
  Mailbox box;
  ASSERT_TRUE(box.Reserve("v1", "q-1"));
  EXPECT_FALSE(box.Reserve("v1", "q-1")) << "a resend while the first send waits";
  box.Add("v1", Mailbox::From::kAgent, "a-1", R"({"from":"agent"})");
  EXPECT_TRUE(box.WaitAfter("v1", 0, kNow()).empty()) << "nothing past a place not settled";
  std::thread acker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    box.Keep("v1", "q-1", R"({"from":"visitor"})");
  });
  auto got = box.WaitAfter("v1", 0, kNow() + std::chrono::seconds(10));
  acker.join();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].event_id, "q-1");
  EXPECT_EQ(got[0].json, R"({"from":"visitor"})");
  EXPECT_EQ(got[1].event_id, "a-1");
  box.Keep("v1", "q-1", "again");
  EXPECT_EQ(box.WaitAfter("v1", 0, kNow())[0].json, R"({"from":"visitor"})") << "kept once";
  box.Drop("v1", "q-1");
  EXPECT_EQ(box.WaitAfter("v1", 0, kNow()).size(), 2u) << "a kept message is not dropped";
}

// The broker did not take it: its place goes and what waited behind it shows; a later resend
// that the broker takes is shown at the end.
TEST(MailboxTest, ADroppedPlaceLetsTheRestThroughAndAResendTakesTheEnd) {
  Mailbox box;
  ASSERT_TRUE(box.Reserve("v1", "q-1"));
  box.Add("v1", Mailbox::From::kAgent, "a-1", "{}");
  std::thread dropper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    box.Drop("v1", "q-1");
  });
  auto got = box.WaitAfter("v1", 0, kNow() + std::chrono::seconds(10));
  dropper.join();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].event_id, "a-1");
  box.Keep("v1", "q-1", "{}");
  auto all = box.WaitAfter("v1", 0, kNow());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].event_id, "q-1");
  EXPECT_GT(all[1].index, all[0].index);
}

}  // namespace
}  // namespace omni::connectors::webchat
