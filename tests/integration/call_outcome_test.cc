// Phone calls through the real broker: accepting a VOICE call puts an outbound CALL carrying the
// agent's voice contact into the conversation (and the outbox, for the phone connector), and a
// connector's report that the caller hung up ends the conversation, withdrawing its offer; the
// report that the talk ended keeps its duration in the history and ends nothing; the report that
// the caller was put through is the call's answer (the agent is not reclaimed for not typing one).
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

omnibroker::v1::Event Call(const std::string& id, const std::string& call_id) {
  omnibroker::v1::Event e = testing::MessageFrom(id, "sip", "sip:+4915100000009@pbx", "Call from +4915100000009");
  e.set_kind(omnibroker::v1::EVENT_KIND_CALL);
  e.set_thread_key(call_id);
  return e;
}

omnibroker::v1::Event Outcome(const std::string& id, const std::string& call_id, const std::string& outcome) {
  omnibroker::v1::Event e = Call(id, call_id);
  (*e.mutable_provider_metadata())["call.outcome"] = outcome;
  (*e.mutable_provider_metadata())["call.wait_ms"] = "4000";
  e.mutable_content()->set_text("Call from +4915100000009 " + outcome + " after 4 s");
  return e;
}

// A broker with the test roster (alice has a voice contact) on a tcp ingest a test publishes to.
class CallOutcomeTest : public ::testing::Test {
 protected:
  explicit CallOutcomeTest(Duration reply_timeout = routing::DefaultRoutingPolicy().reply_timeout)
      : broker{ConfigWith(reply_timeout)} {}

  app::BrokerConfig ConfigWith(Duration reply_timeout) {
    app::BrokerConfig config = testing::TestConfig(dir.path(), ingest);
    config.routing.reply_timeout = reply_timeout;
    return config;
  }

  void SetUp() override {
    ASSERT_OK(broker.Start());
    admin = std::make_unique<testing::AdminClient>(broker.grpc_address());
  }

  // alice logs in, becomes available and gets the offer of the one waiting call.
  void OfferToAlice() {
    auto client = agent::AgentClient::Connect(broker.grpc_address(), "alice");
    ASSERT_TRUE(client.ok()) << client.status();
    alice = std::move(*client);
    ASSERT_TRUE(alice->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
    auto next = testing::NextOffer(*alice);
    ASSERT_TRUE(next.has_value());
    offer = *next;
  }

  testing::TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker;
  testing::IngestPublisher publisher{ingest};
  std::unique_ptr<testing::AdminClient> admin;
  std::unique_ptr<agent::AgentClient> alice;
  omnibroker::v1::Offer offer;
};

TEST_F(CallOutcomeTest, AnAcceptedCallIsRedirectedToTheAgentsVoiceContact) {
  const auto call = publisher.Publish(Call("call-1", "c1@pbx"));
  ASSERT_EQ(call.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << call.reason();
  ASSERT_NO_FATAL_FAILURE(OfferToAlice());
  ASSERT_TRUE(alice->Accept(offer.offer_id()).ok());

  const auto conversation = admin->Conversation(call.conversation_id());
  EXPECT_EQ(conversation.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  const auto history = admin->CustomerHistory(conversation.customer_id());
  ASSERT_EQ(history.events_size(), 2);
  const auto& redirect = history.events(1);
  EXPECT_EQ(redirect.direction(), omnibroker::v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(redirect.kind(), omnibroker::v1::EVENT_KIND_CALL);
  EXPECT_EQ(redirect.thread_key(), "c1@pbx");
  EXPECT_EQ(redirect.agent_id(), "alice");
  EXPECT_EQ(redirect.provider_metadata().at("call.redirect_to"), "sip:alice@127.0.0.1");

  // The answered report is history, not a new customer message to answer.
  const auto answered = publisher.Publish(Outcome("call-1:answered", "c1@pbx", "answered"));
  ASSERT_EQ(answered.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << answered.reason();
  EXPECT_EQ(answered.conversation_id(), call.conversation_id());
  EXPECT_FALSE(admin->Conversation(call.conversation_id()).has_awaiting_reply_since());
}

TEST_F(CallOutcomeTest, TheCompletedReportKeepsTheTalkDurationInTheHistory) {
  const auto call = publisher.Publish(Call("call-3", "c3@pbx"));
  ASSERT_EQ(call.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << call.reason();
  ASSERT_NO_FATAL_FAILURE(OfferToAlice());
  ASSERT_TRUE(alice->Accept(offer.offer_id()).ok());

  omnibroker::v1::Event talked = Outcome("call-3:completed", "c3@pbx", "completed");
  (*talked.mutable_provider_metadata())["call.talk_ms"] = "42000";
  const auto completed = publisher.Publish(talked);
  ASSERT_EQ(completed.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << completed.reason();
  EXPECT_EQ(completed.conversation_id(), call.conversation_id());
  const auto conversation = admin->Conversation(call.conversation_id());
  EXPECT_EQ(conversation.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  EXPECT_FALSE(conversation.has_awaiting_reply_since());
  const auto history = admin->CustomerHistory(conversation.customer_id());
  ASSERT_EQ(history.events_size(), 3);  // the call, the redirect, the report
  EXPECT_EQ(history.events(2).id(), "call-3:completed");
  EXPECT_EQ(history.events(2).provider_metadata().at("call.talk_ms"), "42000");
}

TEST_F(CallOutcomeTest, AnAbandonedCallEndsItsConversationAndWithdrawsTheOffer) {
  const auto call = publisher.Publish(Call("call-2", "c2@pbx"));
  ASSERT_EQ(call.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << call.reason();
  ASSERT_NO_FATAL_FAILURE(OfferToAlice());

  const auto abandoned = publisher.Publish(Outcome("call-2:abandoned", "c2@pbx", "abandoned"));
  ASSERT_EQ(abandoned.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << abandoned.reason();
  EXPECT_EQ(abandoned.conversation_id(), call.conversation_id());
  bool revoked = false;
  ASSERT_TRUE(testing::WaitFor([&] {
    auto u = alice->Next(50ms);
    revoked = revoked || (u && u->has_offer_revoked() && u->offer_revoked().offer_id() == offer.offer_id());
    return revoked;
  }));
  const auto closed = admin->Conversation(call.conversation_id());
  EXPECT_EQ(closed.state(), omnibroker::v1::CONVERSATION_STATE_CLOSED);
  EXPECT_EQ(closed.disposition(), "call_abandoned");
  EXPECT_FALSE(alice->Accept(offer.offer_id()).ok()) << "the caller is gone";
}

// A chat accepted without a reply within reply_timeout is reclaimed; a call has no typed reply: it
// is answered when the caller is put through to the agent's phone.
class CallReplyTimeoutTest : public CallOutcomeTest {
 protected:
  CallReplyTimeoutTest() : CallOutcomeTest(1s) {}
};

TEST_F(CallReplyTimeoutTest, ACallPutThroughIsAnsweredAndStaysWithItsAgent) {
  const auto call = publisher.Publish(Call("call-4", "c4@pbx"));
  ASSERT_EQ(call.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << call.reason();
  ASSERT_NO_FATAL_FAILURE(OfferToAlice());
  ASSERT_TRUE(alice->Accept(offer.offer_id()).ok());
  const auto answered = publisher.Publish(Outcome("call-4:answered", "c4@pbx", "answered"));
  ASSERT_EQ(answered.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << answered.reason();
  EXPECT_TRUE(admin->Conversation(call.conversation_id()).has_first_response_at());

  std::this_thread::sleep_for(2500ms);  // past the reply timeout, twice over
  const auto conversation = admin->Conversation(call.conversation_id());
  EXPECT_EQ(conversation.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  EXPECT_EQ(conversation.assigned_agent_id(), "alice");
}

TEST_F(CallReplyTimeoutTest, ACallNeverPutThroughIsReclaimed) {
  const auto call = publisher.Publish(Call("call-5", "c5@pbx"));
  ASSERT_EQ(call.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << call.reason();
  ASSERT_NO_FATAL_FAILURE(OfferToAlice());
  ASSERT_TRUE(alice->Accept(offer.offer_id()).ok());

  std::this_thread::sleep_for(2500ms);
  const auto conversation = admin->Conversation(call.conversation_id());
  EXPECT_NE(conversation.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  EXPECT_FALSE(conversation.has_first_response_at());
}

}  // namespace
}  // namespace omni
