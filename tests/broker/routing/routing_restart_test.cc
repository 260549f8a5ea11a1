// A restart brings back each conversation's routing as the router left it (RoutingEngine::
// Restore from the memo the core stored): waiting, offered, assigned and wrapping-up conversations
// go on with their timers where they were, not from the restart.
#include <gtest/gtest.h>

#include "broker/routing/memo_proto.h"
#include "tests/broker/routing/routing_scenario.h"

namespace omni::routing {
namespace {

using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_AWAY;
using omnibroker::v1::TIER_VIP;

TEST(RoutingRestartTest, AssignedAndWaitingKeepTheirDeadlinesAndTheHolderHasTheGrace) {
  Scenario before;
  before.Login({.id = "a", .chat = 1, .tiers = {TIER_VIP}});
  before.Arrive({.id = "held", .tier = TIER_VIP});
  ASSERT_TRUE(before.Accept("held"));
  before.Arrive({.id = "waiting", .tier = TIER_VIP});
  before.Wait(60s);

  Scenario after;
  after.RestartFrom(before);
  EXPECT_EQ(after.HeldBy("held"), "a");
  after.Wait(61s);  // 2 min after the original arrival: the VIP first response is due
  std::set<std::string> breached;
  for (auto& b : after.Decisions(Decision::Kind::kBreach)) breached.insert(b.conversation_id + ":" + b.reason);
  EXPECT_TRUE(breached.contains("waiting:first_response"));
  EXPECT_TRUE(breached.contains("held:first_response"));
  ASSERT_EQ(after.Decisions(Decision::Kind::kReclaimed).size(), 1u)
      << "the agent did not come back within the grace period";
}

TEST(RoutingRestartTest, AStepGoingOnRelaxesWhenItWouldHaveWithoutTheRestart) {
  Scenario before;
  before.Login({.id = "a", .skills = "billing:4"});
  before.Arrive({.id = "c", .skills = "billing:8"});
  before.Wait(40s);

  Scenario after;
  after.RestartFrom(before);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  after.Wait(19s);
  EXPECT_EQ(after.OfferedTo("c"), "") << "59 s into its first step of 60 s";
  after.Wait(2s);
  EXPECT_EQ(after.OfferedTo("c"), "a") << "the step relaxed at 60 s after arrival, not after the restart";
}

TEST(RoutingRestartTest, AnOpenOfferKeepsItsIdAndExpiryAndCanBeAcceptedOnReturn) {
  Scenario before;
  before.Login({.id = "a"});
  before.Arrive({.id = "c"});
  const Offer offer = before.offers.at("c");
  before.Wait(5s);

  Scenario after;
  after.RestartFrom(before);
  ASSERT_EQ(after.OfferedTo("c"), "a");
  EXPECT_EQ(after.offers.at("c").offer_id, offer.offer_id) << "the console's open offer is still the one";
  EXPECT_EQ(after.engine.OfferedCount("a"), 1);
  after.SetPresence("a", PRESENCE_AVAILABLE);  // back within the grace
  after.Wait(5s);
  ASSERT_TRUE(after.engine.Accept(offer.offer_id, "a", after.now).ok());
  after.Settle();
  EXPECT_EQ(after.HeldBy("c"), "a");
}

TEST(RoutingRestartTest, AnOpenOfferStillExpiresAtItsTime) {
  Scenario before;
  before.Login({.id = "a"});
  before.Arrive({.id = "c"});
  before.Wait(5s);

  Scenario after;
  after.RestartFrom(before);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  after.Wait(after.engine.policy().offer_timeout - 5s);
  ASSERT_EQ(after.Decisions(Decision::Kind::kOfferWithdrawn).size(), 1u);
  EXPECT_EQ(after.Decisions(Decision::Kind::kOfferWithdrawn)[0].reason, "timeout");
  EXPECT_EQ(after.OfferedTo("c"), "") << "a timeout puts the agent on cooldown for it";
}

TEST(RoutingRestartTest, AnOfferThatExpiredWhileDownCountsAsTimedOut) {
  Scenario before;
  before.Login({.id = "a"});
  before.Arrive({.id = "c"});
  before.now += 1min;  // the broker was down past the offer's expiry

  Scenario after;
  after.RestartFrom(before);
  EXPECT_EQ(after.OfferedTo("c"), "");
  after.SetPresence("a", PRESENCE_AVAILABLE);
  EXPECT_EQ(after.OfferedTo("c"), "") << "the timed-out agent is on cooldown";
  after.Login({.id = "b"});
  EXPECT_EQ(after.OfferedTo("c"), "b");
}

TEST(RoutingRestartTest, ADeclineCooldownSurvives) {
  Scenario before;
  before.Login({.id = "a"});
  before.Arrive({.id = "c"});
  ASSERT_TRUE(before.Decline("c"));
  before.Wait(30s);

  Scenario after;
  after.RestartFrom(before);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  EXPECT_EQ(after.OfferedTo("c"), "") << "declined 30 s ago, cooldown 2 min";
  after.Wait(after.engine.policy().decline_cooldown - 30s + 1s);
  EXPECT_EQ(after.OfferedTo("c"), "a");
}

TEST(RoutingRestartTest, AWrapUpKeepsItsCapacityUntilItsEnd) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.wrap_up = 30s;
  Scenario before(policy);
  before.Login({.id = "a", .chat = 1});
  before.Arrive({.id = "c1"});
  before.Take("c1");
  before.Close("c1");
  before.Wait(10s);

  Scenario after(policy);
  after.RestartFrom(before);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  after.Arrive({.id = "c2"});
  EXPECT_EQ(after.OfferedTo("c2"), "") << "a is wrapping up c1 for 20 s more";
  after.Wait(21s);
  EXPECT_EQ(after.OfferedTo("c2"), "a");
  EXPECT_EQ(after.Decisions(Decision::Kind::kWrapUpEnded).size(), 1u);
}

TEST(RoutingRestartTest, ThePersonalManagerIsStillWaitedForThoughNotYetBack) {
  Scenario before;
  before.Login({.id = "pm"}, omnibroker::v1::PRESENCE_BUSY);
  before.Login({.id = "other"}, omnibroker::v1::PRESENCE_BUSY);
  before.Arrive({.id = "c", .personal_manager = "pm"});
  before.Wait(20s);

  Scenario after;
  after.RestartFrom(before);
  after.SetPresence("other", PRESENCE_AVAILABLE);  // back first
  EXPECT_EQ(after.OfferedTo("c"), "") << "40 s of the personal manager's 60 s wait are left";
  after.SetPresence("pm", PRESENCE_AVAILABLE);
  EXPECT_EQ(after.OfferedTo("c"), "pm");
}

TEST(RoutingRestartTest, ATransferStillWaitsForItsTarget) {
  Scenario before;
  before.Login({.id = "a"});
  before.Login({.id = "b"}, omnibroker::v1::PRESENCE_BUSY);
  before.Arrive({.id = "c"});
  before.Take("c");
  ASSERT_TRUE(before.engine.TransferToAgent("c", "a", "b", before.now).ok());
  before.Settle();

  Scenario after;
  after.RestartFrom(before);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  EXPECT_EQ(after.OfferedTo("c"), "") << "waits for b, and a handed it over (cooldown)";
  after.SetPresence("b", PRESENCE_AVAILABLE);
  EXPECT_EQ(after.OfferedTo("c"), "b");
}

TEST(RoutingRestartTest, AConversationTakenBeforeTheRestartDoesNotTeachTheTypicalWaitAgain) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.default_relax_after = 1h;  // only the risk can relax a step
  policy.reply_timeout = 1h;
  Scenario before(policy);
  before.Login({.id = "a", .chat = 1});
  before.Arrive({.id = "held"});
  ASSERT_TRUE(before.Accept("held"));  // a first wait of 0 s
  before.Wait(540s);

  Scenario after(policy);
  after.RestartFrom(before);
  after.Login({.id = "b", .chat = 5});
  after.Wait(policy.presence_grace + 1s);  // "a" is not back: reclaimed, offered to "b"
  ASSERT_TRUE(after.Accept("held")) << "taken again, 571 s after it arrived";
  after.SetPresence("b", PRESENCE_AWAY);
  after.Login({.id = "junior", .skills = "support:2"});
  after.Arrive({.id = "c", .skills = "support:8"});
  after.Wait(40s);
  EXPECT_EQ(after.OfferedTo("c"), "") << "a 571 s typical wait would have put its 10 min at risk at once";
  after.Wait(441s);
  EXPECT_EQ(after.OfferedTo("c"), "junior") << "at risk by the fraction: 8 of its 10 min";
}

TEST(RoutingRestartTest, AConversationWithoutAMemoWaitsFromTheRestart) {
  Scenario before;
  before.Login({.id = "a", .skills = "billing:4"});
  before.Arrive({.id = "c", .skills = "billing:8"});
  before.Wait(40s);
  before.memos.clear();  // lost in a power cut: the memos are written unsynced

  Scenario after;
  after.RestartFrom(before);
  for (const auto& [id, item] : after.items) after.engine.Restore(item, RoutingMemo{}, after.now);
  after.SetPresence("a", PRESENCE_AVAILABLE);
  after.Wait(59s);
  EXPECT_EQ(after.OfferedTo("c"), "");
  after.Wait(2s);
  EXPECT_EQ(after.OfferedTo("c"), "a");
}

TEST(RoutingRestartTest, TheMemoSurvivesItsStoredForm) {
  const RoutingMemo memo{.steps_since = kT0,
                         .named_agents = {"pm", "last"},
                         .transfer_target = "pm",
                         .cooldowns = {{"a", kT0 + 2min}},
                         .hold = RoutingMemo::Hold::kOffered,
                         .agent_id = "b",
                         .offer_number = 0xfedcba9876543210,
                         .until = kT0 + 20s};
  const RoutingMemo back = MemoFromProto(MemoToProto(memo));
  EXPECT_EQ(back.steps_since, memo.steps_since);
  EXPECT_EQ(back.named_agents, memo.named_agents);
  EXPECT_EQ(back.transfer_target, memo.transfer_target);
  EXPECT_EQ(back.cooldowns, memo.cooldowns);
  EXPECT_EQ(back.hold, memo.hold);
  EXPECT_EQ(back.agent_id, memo.agent_id);
  EXPECT_EQ(back.offer_number, memo.offer_number);
  EXPECT_EQ(back.until, memo.until);

  for (auto hold : {RoutingMemo::Hold::kAssigned, RoutingMemo::Hold::kWrapUp}) {
    RoutingMemo held{.hold = hold, .agent_id = "a", .until = kT0 + 30s, .assigned_at = kT0 - 1min,
                     .replied_since_assigned = hold == RoutingMemo::Hold::kAssigned};
    const RoutingMemo round = MemoFromProto(MemoToProto(held));
    EXPECT_EQ(round.hold, hold);
    EXPECT_EQ(round.assigned_at, held.assigned_at);
    EXPECT_EQ(round.replied_since_assigned, held.replied_since_assigned);
    if (hold == RoutingMemo::Hold::kWrapUp) {
      EXPECT_EQ(round.until, held.until);
    }
  }
}

}  // namespace
}  // namespace omni::routing
