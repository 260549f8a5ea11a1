// Receipts, edits, deletions and provider notices through the real broker: they join the
// conversation their thread has (open, or closed), reach the agent who holds it, never open a
// conversation and never start a reply deadline; one for a thread without a conversation is
// refused with the reason.
#include <gtest/gtest.h>

#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::EventKind;

omnibroker::v1::Event Fact(const std::string& id, EventKind kind, const std::string& thread) {
  omnibroker::v1::Event e = testing::MessageFrom(id, "telegram", thread, "");
  e.set_kind(kind);
  e.set_reply_to_event_id("m-1");
  if (kind == omnibroker::v1::EVENT_KIND_EDIT) e.mutable_content()->set_text("edited text");
  return e;
}

size_t OpenConversations(testing::AdminClient& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ListConversationsResponse out;
  EXPECT_TRUE(admin->ListConversations(&context, {}, &out).ok());
  return out.conversations_size();
}

TEST(EventKindsTest, FactsJoinTheirConversationAndNeverOpenOne) {
  testing::TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker(testing::TestConfig(dir.path(), ingest));
  ASSERT_OK(broker.Start());
  testing::IngestPublisher publisher(ingest);
  testing::AdminClient admin(broker.grpc_address());

  auto orphan = publisher.Publish(Fact("r-0", omnibroker::v1::EVENT_KIND_DELIVERY_STATUS, "t-9"));
  EXPECT_EQ(orphan.status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_NE(orphan.reason().find("EVENT_KIND_DELIVERY_STATUS for thread 't-9', which has no "
                                 "conversation"),
            std::string::npos)
      << orphan.reason();
  EXPECT_EQ(OpenConversations(admin), 0u);

  const auto first = publisher.Publish(testing::MessageFrom("m-1", "telegram", "t-1", "Hello"));
  ASSERT_EQ(first.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  const auto edit = publisher.Publish(Fact("e-1", omnibroker::v1::EVENT_KIND_EDIT, "t-1"));
  ASSERT_EQ(edit.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  EXPECT_EQ(edit.conversation_id(), first.conversation_id());
  EXPECT_EQ(edit.sequence(), 2u);
  EXPECT_EQ(OpenConversations(admin), 1u);

  auto alice = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE((*alice)->Accept(offer->offer_id()).ok());
  ASSERT_TRUE((*alice)->SendText(first.conversation_id(), "Hi!", "a-1").ok());

  // A read receipt for the reply reaches the agent, and the conversation waits for nobody.
  const auto read = publisher.Publish(Fact("r-1", omnibroker::v1::EVENT_KIND_DELIVERY_STATUS, "t-1"));
  ASSERT_EQ(read.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  EXPECT_EQ(read.conversation_id(), first.conversation_id());
  bool seen = false;
  ASSERT_TRUE(testing::WaitFor([&] {
    auto u = (*alice)->Next(50ms);
    seen = seen || (u && u->has_message() && u->message().event().id() == "r-1");
    return seen;
  }));
  EXPECT_FALSE(admin.Conversation(first.conversation_id()).has_awaiting_reply_since())
      << "a receipt is no message to answer";

  // After the close a deletion still lands in the closed conversation's history.
  ASSERT_TRUE((*alice)->CloseConversation(first.conversation_id(), "resolved").ok());
  const auto deleted = publisher.Publish(Fact("d-1", omnibroker::v1::EVENT_KIND_DELETE, "t-1"));
  ASSERT_EQ(deleted.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << deleted.reason();
  EXPECT_EQ(deleted.conversation_id(), first.conversation_id());
  EXPECT_EQ(OpenConversations(admin), 0u);
  const auto closed = admin.Conversation(first.conversation_id());
  EXPECT_EQ(closed.state(), omnibroker::v1::CONVERSATION_STATE_CLOSED);
  EXPECT_EQ(closed.last_sequence(), deleted.sequence());

  // A new message on the thread opens a new conversation, as before.
  const auto again = publisher.Publish(testing::MessageFrom("m-2", "telegram", "t-1", "Me again"));
  ASSERT_EQ(again.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  EXPECT_NE(again.conversation_id(), first.conversation_id());
  (*alice)->Close();
  broker.Stop();
}

}  // namespace
}  // namespace omni
