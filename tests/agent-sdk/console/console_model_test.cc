// The console's state from broker updates, on a clock reading passed in: offers with their
// countdown, accepting, the customer's history across channels, SLA countdowns that tick and go
// overdue, replies, wrap-up, and conversations taken away.
#include "console_model.h"

#include <gtest/gtest.h>

#include "base/time_util.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::AgentUpdate;

const TimePoint kStart = TimePoint{} + 480000h;

// What the broker's policy says of a VIP conversation (the defaults: 2 minutes, then 5).
omnibroker::v1::ServiceTargets VipTargets() {
  omnibroker::v1::ServiceTargets t;
  *t.mutable_first_response() = ToProto(Duration(2min));
  *t.mutable_next_response() = ToProto(Duration(5min));
  *t.mutable_resolution() = ToProto(Duration(24h));
  return t;
}

omnibroker::v1::Event Inbound(const std::string& id, const std::string& conversation,
                              const std::string& provider, const std::string& text) {
  omnibroker::v1::Event e;
  e.set_id(id);
  e.set_provider(provider);
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_conversation_id(conversation);
  e.set_customer_id("cust_olga");
  e.mutable_content()->set_text(text);
  return e;
}

AgentUpdate OfferOf(const std::string& offer_id, const std::string& conversation,
                    Duration expires_in) {
  AgentUpdate u;
  auto* o = u.mutable_offer();
  o->set_offer_id(offer_id);
  o->mutable_conversation()->set_id(conversation);
  o->mutable_conversation()->set_customer_id("cust_olga");
  o->mutable_conversation()->set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  *o->mutable_conversation()->mutable_queued_at() = ToProto(kStart - 30s);
  o->mutable_conversation()->mutable_customer_identity()->set_handle("4915112345678");
  o->mutable_customer()->set_display_name("Ольга");
  o->mutable_customer()->set_tier(omnibroker::v1::TIER_VIP);
  *o->mutable_last_event() = Inbound("e1", conversation, "whatsapp", "Где мой заказ?");
  *o->mutable_expires_at() = ToProto(kStart + expires_in);
  *o->mutable_targets() = VipTargets();
  return u;
}

ConsoleModel Model() {
  omnibroker::v1::LoginResult login;
  login.mutable_agent()->set_id("alice");
  return ConsoleModel(login);
}

TEST(ConsoleModelTest, AnOfferShowsItsCountdownUntilAccepted) {
  ConsoleModel model = Model();
  EXPECT_TRUE(model.Rows(kStart).empty());
  EXPECT_EQ(model.presence(), omnibroker::v1::PRESENCE_BUSY);
  model.Apply(OfferOf("off_1", "conv_1", 20s), kStart);
  auto rows = model.Rows(kStart);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, ListRow::Kind::kOffer);
  EXPECT_EQ(rows[0].customer, "Ольга");
  EXPECT_EQ(rows[0].tier, "VIP");
  EXPECT_EQ(rows[0].channel, "messenger");
  EXPECT_EQ(rows[0].waiting, "0:30");
  EXPECT_EQ(rows[0].countdown, "offer 0:20");
  EXPECT_EQ(model.Rows(kStart + 15s)[0].countdown, "offer 0:05");
  EXPECT_EQ(model.Rows(kStart + 25s)[0].countdown, "offer 0:00") << "never below zero";
  EXPECT_EQ(model.Selected(kStart)->id, "off_1");
  EXPECT_EQ(model.notice(), "new offer from Ольга");

  model.Accepted("off_1", "conv_1");
  rows = model.Rows(kStart + 1s);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, ListRow::Kind::kConversation);
  EXPECT_EQ(rows[0].id, "conv_1");
  EXPECT_EQ(rows[0].tier, "VIP");
  EXPECT_EQ(rows[0].countdown, "first 1:29") << "VIP first response: 2 minutes from queued";
  EXPECT_FALSE(rows[0].urgent);
  EXPECT_TRUE(model.Rows(kStart + 31s)[0].urgent);
  EXPECT_EQ(model.Rows(kStart + 100s)[0].countdown, "first -0:10") << "overdue";
  EXPECT_EQ(model.offer("off_1"), nullptr);
}

TEST(ConsoleModelTest, ARevokedOfferLeavesTheList) {
  ConsoleModel model = Model();
  model.Apply(OfferOf("off_1", "conv_1", 20s), kStart);
  AgentUpdate revoked;
  revoked.mutable_offer_revoked()->set_offer_id("off_1");
  revoked.mutable_offer_revoked()->set_reason("timeout");
  model.Apply(revoked, kStart + 20s);
  EXPECT_TRUE(model.Rows(kStart + 20s).empty());
  EXPECT_EQ(model.notice(), "offer withdrawn: timeout");
}

TEST(ConsoleModelTest, MessagesJoinTheCustomersHistoryAndStartTheNextResponseClock) {
  ConsoleModel model = Model();
  model.Apply(OfferOf("off_1", "conv_1", 20s), kStart);
  model.Accepted("off_1", "conv_1");
  // The customer's earlier email and the chat that followed: one history.
  model.SetHistory("conv_1", {Inbound("m1", "conv_0", "email", "Order 42 is late"),
                              Inbound("e1", "conv_1", "whatsapp", "Где мой заказ?")});
  model.ReplySent("conv_1", kStart + 10s);
  EXPECT_EQ(model.Rows(kStart + 10s)[0].countdown, "") << "answered: no deadline runs";
  EXPECT_EQ(model.Rows(kStart + 10s)[0].waiting, "");

  AgentUpdate message;
  *message.mutable_message()->mutable_event() = Inbound("e2", "conv_1", "whatsapp", "Спасибо, жду");
  model.Apply(message, kStart + 60s);
  model.Apply(message, kStart + 61s);  // a repeat is the same event
  const auto* entry = model.conversation("conv_1");
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->history.size(), 3u);
  EXPECT_EQ(entry->history[0].provider(), "email");
  EXPECT_EQ(entry->history[2].content().text(), "Спасибо, жду");
  const auto row = model.Rows(kStart + 90s)[0];
  EXPECT_EQ(row.waiting, "0:30");
  EXPECT_EQ(row.countdown, "next 4:30") << "VIP next response: 5 minutes from the message";
}

TEST(ConsoleModelTest, AssignedAfterAReconnectAndAssignmentUpdates) {
  omnibroker::v1::LoginResult login;
  login.mutable_agent()->set_id("alice");
  login.mutable_agent()->set_presence(omnibroker::v1::PRESENCE_AVAILABLE);
  auto* given = login.add_assigned();
  auto* c = given->mutable_conversation();
  c->set_id("conv_9");
  c->mutable_customer_identity()->set_handle("ann@example.org");
  *c->mutable_queued_at() = ToProto(kStart - 1min);
  given->mutable_customer()->set_display_name("Ann Lee");
  given->mutable_customer()->set_tier(omnibroker::v1::TIER_VIP);
  *given->mutable_targets() = VipTargets();
  ConsoleModel model(login);
  EXPECT_EQ(model.presence(), omnibroker::v1::PRESENCE_AVAILABLE);
  ASSERT_EQ(model.Rows(kStart).size(), 1u);
  EXPECT_EQ(model.Rows(kStart)[0].customer, "Ann Lee") << "the login carries the customer card";
  EXPECT_EQ(model.Rows(kStart)[0].tier, "VIP");
  EXPECT_EQ(model.Rows(kStart)[0].countdown, "first 1:00") << "and the deadlines";

  AgentUpdate assigned;
  assigned.mutable_assigned()->mutable_conversation()->set_id("conv_9");
  assigned.mutable_assigned()->mutable_customer()->set_display_name("Ann");
  assigned.mutable_assigned()->mutable_customer()->set_tier(omnibroker::v1::TIER_GOLD);
  model.Apply(assigned, kStart);
  EXPECT_EQ(model.Rows(kStart)[0].customer, "Ann");
  EXPECT_EQ(model.Rows(kStart)[0].tier, "GOLD");
}

TEST(ConsoleModelTest, WrapUpKeepsTheEntryUntilEndedAndOthersTakingItRemoveIt) {
  ConsoleModel model = Model();
  for (const auto& [offer, conversation] : {std::pair{"off_1", "conv_1"}, {"off_2", "conv_2"}}) {
    model.Apply(OfferOf(offer, conversation, 20s), kStart);
    model.Accepted(offer, conversation);
  }
  model.Closed("conv_1", "resolved");
  AgentUpdate closed;
  closed.mutable_closed()->set_conversation_id("conv_1");
  closed.mutable_closed()->set_reason("closed");
  model.Apply(closed, kStart);
  ASSERT_EQ(model.Rows(kStart).size(), 2u);
  EXPECT_EQ(model.Rows(kStart)[0].countdown, "wrap-up: resolved");

  closed.mutable_closed()->set_conversation_id("conv_2");
  closed.mutable_closed()->set_reason("reclaimed: no_reply");
  model.Apply(closed, kStart);
  ASSERT_EQ(model.Rows(kStart).size(), 1u);
  EXPECT_EQ(model.notice(), "conv_2 is no longer yours: reclaimed: no_reply");
  model.Remove("conv_1");
  EXPECT_TRUE(model.Rows(kStart).empty());
}

TEST(ConsoleModelTest, TheSelectionMovesWithinTheRowsAndFollowsItsRow) {
  ConsoleModel model = Model();
  model.Apply(OfferOf("off_1", "conv_1", 20s), kStart);
  model.Apply(OfferOf("off_2", "conv_2", 20s), kStart);
  model.Apply(OfferOf("off_3", "conv_3", 20s), kStart);
  EXPECT_EQ(model.Selected(kStart)->id, "off_1");
  model.MoveSelection(1, kStart);
  EXPECT_EQ(model.Selected(kStart)->id, "off_2");
  model.MoveSelection(10, kStart);
  EXPECT_EQ(model.Selected(kStart)->id, "off_3");
  model.MoveSelection(-1, kStart);
  model.RemoveOffer("off_1");
  EXPECT_EQ(model.Selected(kStart)->id, "off_2") << "the same row, one place up";
  model.RemoveOffer("off_2");
  EXPECT_EQ(model.Selected(kStart)->id, "off_3") << "a vanished selection falls to the first row";
}

TEST(ConsoleModelTest, EscalationsAndFailedRequestsShowAsNotices) {
  ConsoleModel model = Model();
  AgentUpdate escalation;
  escalation.mutable_escalation()->set_conversation_id("conv_5");
  escalation.mutable_escalation()->mutable_breach()->set_kind("first_response");
  model.Apply(escalation, kStart);
  EXPECT_EQ(model.notice(), "escalation: conv_5 missed its first_response deadline");
  AgentUpdate failed;
  failed.mutable_result()->set_code(9);
  failed.mutable_result()->set_message("delivery refused by telegram");
  model.Apply(failed, kStart);
  EXPECT_EQ(model.notice(), "error: delivery refused by telegram");
}

TEST(ConsoleModelTest, TheConnectionComingAndGoingShowsAndAReconnectBringsTheLoginsWork) {
  ConsoleModel model = Model();
  EXPECT_TRUE(model.connected());
  AgentUpdate lost;
  lost.mutable_connection()->set_state(omnibroker::v1::ConnectionChange::RECONNECTING);
  lost.mutable_connection()->set_reason("Socket closed");
  model.Apply(lost, kStart);
  EXPECT_FALSE(model.connected());
  EXPECT_EQ(model.notice(), "connection lost, reconnecting: Socket closed");

  AgentUpdate back;
  back.mutable_connection()->set_state(omnibroker::v1::ConnectionChange::CONNECTED);
  auto* assigned = back.mutable_connection()->mutable_login()->add_assigned();
  assigned->mutable_conversation()->set_id("conv_9");
  assigned->mutable_conversation()->set_customer_id("cust_olga");
  assigned->mutable_customer()->set_display_name("Ольга");
  model.Apply(back, kStart);
  EXPECT_TRUE(model.connected());
  EXPECT_EQ(model.notice(), "reconnected");
  ASSERT_NE(model.conversation("conv_9"), nullptr);
  EXPECT_EQ(model.conversation("conv_9")->customer.display_name(), "Ольга");

  AgentUpdate closed;
  closed.mutable_connection()->set_state(omnibroker::v1::ConnectionChange::CLOSED);
  closed.mutable_connection()->set_reason("login refused");
  model.Apply(closed, kStart);
  EXPECT_FALSE(model.connected());
  EXPECT_EQ(model.notice(), "disconnected: login refused");
}

// Quality: an agent off routing sees it from their login, and why; a change reaches them as it
// happens; a supervisor hears of another agent's.
TEST(ConsoleModelTest, TheAgentSeesTheirQualityStandingAndWhy) {
  omnibroker::v1::LoginResult login;
  login.mutable_agent()->set_id("alice");
  login.mutable_quality()->set_agent_id("alice");
  login.mutable_quality()->set_standing(omnibroker::v1::QUALITY_OFF_ROUTING);
  login.mutable_quality()->set_why("average 30.0 of the last 1 review is below 45");
  ConsoleModel model(login);
  EXPECT_EQ(model.standing(), "OFF ROUTING");
  EXPECT_EQ(model.notice(),
            "you are offered no new work until a supervisor re-certifies you: average 30.0 of the last 1 review "
            "is below 45");

  AgentUpdate back;
  back.mutable_quality()->set_agent_id("alice");
  back.mutable_quality()->set_standing(omnibroker::v1::QUALITY_GOOD);
  back.mutable_quality()->set_why("re-certified by sofia: coached");
  model.Apply(back, kStart);
  EXPECT_EQ(model.standing(), "");
  EXPECT_EQ(model.notice(), "quality: re-certified by sofia: coached");

  AgentUpdate other;
  other.mutable_quality()->set_agent_id("boris");
  other.mutable_quality()->set_standing(omnibroker::v1::QUALITY_TRAINING);
  other.mutable_quality()->set_why("average 60.0 of the last 5 reviews is below 76");
  model.Apply(other, kStart);
  EXPECT_EQ(model.standing(), "") << "another agent's standing is not mine";
  EXPECT_EQ(model.notice(), "quality: boris is flagged for training: average 60.0 of the last 5 reviews is below 76");
}

}  // namespace
}  // namespace omni::console
