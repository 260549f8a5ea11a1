// Scenario tests for every routing rule, on a controlled clock: agents, conversations, time ->
// expected offers, reclaims and breaches.
#include "broker/routing/routing_engine.h"

#include <gtest/gtest.h>

#include "tests/broker/routing/routing_scenario.h"

namespace omni::routing {
namespace {

using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_AWAY;
using omnibroker::v1::PRESENCE_BUSY;
using omnibroker::v1::PRESENCE_OFFLINE;
using omnibroker::v1::TIER_GOLD;
using omnibroker::v1::TIER_STANDARD;
using omnibroker::v1::TIER_VIP;

// Agents, a conversation and a time after its arrival -> who has its offer then.
struct MatchCase {
  std::string name;
  std::vector<AgentSpec> agents;
  ConvSpec conversation;
  std::string expected_agent;  // "" = nobody may take it
  Duration at = 0s;            // after the arrival, the clock running every second
};

class MatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(MatchTest, OffersToTheExpectedAgent) {
  Scenario s;
  for (const auto& a : GetParam().agents) s.Login(a);
  s.Arrive(GetParam().conversation);
  s.Wait(GetParam().at);
  EXPECT_EQ(s.OfferedTo(GetParam().conversation.id), GetParam().expected_agent);
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

INSTANTIATE_TEST_SUITE_P(
    Rules, MatchTest,
    ::testing::Values(
        MatchCase{"skill_and_language",
                  {{.id = "en_support", .skills = "support:8"}, {.id = "ru_billing", .languages = "ru", .skills = "billing:7"}},
                  {.id = "c", .language = "ru", .skills = "billing:5"}, "ru_billing"},
        MatchCase{"proficiency_below_minimum", {{.id = "a", .skills = "billing:4"}},
                  {.id = "c", .skills = "billing:5"}, ""},
        MatchCase{"proficiency_still_asked_before_the_step_relaxes", {{.id = "a", .skills = "billing:4"}},
                  {.id = "c", .skills = "billing:5"}, "", 59s},
        MatchCase{"proficiency_relaxes_after_its_step", {{.id = "a", .skills = "billing:4"}},
                  {.id = "c", .skills = "billing:5"}, "a", 61s},
        MatchCase{"a_relaxed_step_still_asks_for_the_skill", {{.id = "a", .skills = "support:9"}},
                  {.id = "c", .skills = "billing:5"}, "", 61s},
        MatchCase{"language_is_never_relaxed", {{.id = "a", .skills = "billing:9"}},
                  {.id = "c", .language = "zh", .skills = "billing:5"}, "", 20min},
        MatchCase{"language_nobody_speaks", {{.id = "a", .skills = "billing:9"}},
                  {.id = "c", .language = "zh", .skills = "billing:5"}, ""},
        MatchCase{"best_skill_fit_wins", {{.id = "a", .skills = "billing:6"}, {.id = "b", .skills = "billing:9"}},
                  {.id = "c", .skills = "billing:5"}, "b"},
        MatchCase{"all_skills_needed",
                  {{.id = "a", .skills = "billing:9"}, {.id = "b", .skills = "billing:6,refunds:5"}},
                  {.id = "c", .skills = "billing:5,refunds:3"}, "b"},
        MatchCase{"language_by_its_primary_subtag", {{.id = "a", .languages = "en"}, {.id = "b", .languages = "pt"}},
                  {.id = "c", .language = "pt-br"}, "b"},
        MatchCase{"agent_language_by_its_primary_subtag", {{.id = "a", .languages = "de"}, {.id = "b", .languages = "en-GB,EN-us"}},
                  {.id = "c", .language = "en"}, "b"},
        MatchCase{"no_skills_any_speaker", {{.id = "a", .languages = "fr"}, {.id = "b", .languages = "en,fr"}},
                  {.id = "c", .language = "en"}, "b"},
        MatchCase{"vip_goes_to_senior_pool",
                  {{.id = "junior", .skills = "support:9"}, {.id = "senior", .skills = "support:5", .tiers = {TIER_VIP}}},
                  {.id = "c", .skills = "support:5", .tier = TIER_VIP}, "senior"},
        MatchCase{"vip_waits_when_pool_absent", {{.id = "junior", .skills = "support:9"}},
                  {.id = "c", .skills = "support:5", .tier = TIER_VIP}, ""},
        MatchCase{"vip_pool_relaxes_after_its_step", {{.id = "junior", .skills = "support:9"}},
                  {.id = "c", .skills = "support:5", .tier = TIER_VIP}, "junior", 61s},
        MatchCase{"difficult_only_to_their_agents",
                  {{.id = "a", .skills = "support:9"}, {.id = "d", .skills = "support:3", .difficult = true}},
                  {.id = "c", .skills = "support:1", .difficult = true}, "d"},
        MatchCase{"voice_needs_voice_capacity", {{.id = "chat_only"}, {.id = "phone", .chat = 0, .voice = 1}},
                  {.id = "c", .channel = omnibroker::v1::CHANNEL_VOICE}, "phone"},
        MatchCase{"messenger_uses_chat_units", {{.id = "a", .chat = 1}},
                  {.id = "c", .channel = omnibroker::v1::CHANNEL_MESSENGER}, "a"},
        MatchCase{"personal_manager_first",
                  {{.id = "a", .skills = "support:9"}, {.id = "pm", .skills = "support:1"}},
                  {.id = "c", .skills = "support:5", .personal_manager = "pm"}, "pm"},
        MatchCase{"last_agent_next", {{.id = "a"}, {.id = "b"}, {.id = "last"}},
                  {.id = "c", .last_agent = "last"}, "last"},
        MatchCase{"offer_times_out_to_the_next_best", {{.id = "a", .skills = "billing:5"}, {.id = "b", .skills = "billing:9"}},
                  {.id = "c", .skills = "billing:5"}, "a", 21s},
        // Named or not, a difficult customer goes only to the agents marked for them: a personal
        // manager or last agent who is not is skipped, not waited for.
        MatchCase{"difficult_skips_unmarked_personal_manager",
                  {{.id = "pm"}, {.id = "d", .difficult = true}},
                  {.id = "c", .difficult = true, .personal_manager = "pm"}, "d"},
        MatchCase{"difficult_skips_unmarked_last_agent",
                  {{.id = "last"}, {.id = "d", .difficult = true}},
                  {.id = "c", .difficult = true, .last_agent = "last"}, "d"},
        MatchCase{"difficult_keeps_marked_personal_manager",
                  {{.id = "d", .difficult = true}, {.id = "pm", .difficult = true}},
                  {.id = "c", .difficult = true, .personal_manager = "pm"}, "pm"}),
    [](const auto& info) { return info.param.name; });

TEST(RoutingEngineTest, LeastRecentEffortBreaksEqualFit) {
  Scenario s;
  s.Login({.id = "a", .skills = "support:5", .chat = 3});
  s.Login({.id = "b", .skills = "support:5", .chat = 3});
  s.Arrive({.id = "c1", .skills = "support:1"});
  const std::string first = s.OfferedTo("c1");
  s.Take("c1");
  s.Arrive({.id = "c2", .skills = "support:1"});
  EXPECT_NE(s.OfferedTo("c2"), first) << "the agent who just took work is not the least occupied";
}

TEST(RoutingEngineTest, MoreUrgentConversationGetsTheFreedAgent) {
  Scenario s;
  s.Login({.id = "a", .chat = 1});
  s.Arrive({.id = "busy"});
  s.Take("busy");
  s.Arrive({.id = "standard_old", .tier = TIER_STANDARD});
  s.Wait(60s);
  s.Arrive({.id = "gold_new", .tier = TIER_GOLD});  // weight 300 > 60 s waited
  s.Arrive({.id = "standard_new", .tier = TIER_STANDARD});
  s.Close("busy");
  EXPECT_EQ(s.OfferedTo("gold_new"), "a");
  EXPECT_EQ(s.OfferedTo("standard_old"), "");
}

TEST(RoutingEngineTest, AmongEqualsTheOldestWaitingGoesFirst) {
  Scenario s;
  s.Login({.id = "a", .chat = 1});
  s.Arrive({.id = "busy"});
  s.Take("busy");
  s.Arrive({.id = "older"});
  s.Wait(5s);
  s.Arrive({.id = "newer"});
  s.Close("busy");
  EXPECT_EQ(s.OfferedTo("older"), "a");
}

TEST(RoutingEngineTest, StepRelaxesAfterItsWait) {
  Scenario s;
  s.Login({.id = "a", .skills = "billing:4"});
  s.Arrive({.id = "c", .skills = "billing:8"});
  EXPECT_EQ(s.OfferedTo("c"), "");
  s.Wait(59s);
  EXPECT_EQ(s.OfferedTo("c"), "");
  s.Wait(2s);
  EXPECT_EQ(s.OfferedTo("c"), "a") << "the second default step accepts any proficiency";
}

TEST(RoutingEngineTest, AtRiskRelaxesAllStepsAndDropsThePool) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.default_relax_after = 1h;  // only the risk can relax it
  Scenario s(policy);
  s.Login({.id = "junior", .skills = "support:2"});
  s.Arrive({.id = "vip", .skills = "support:8", .tier = TIER_VIP});  // first response 2 min, at risk at 96 s
  s.Wait(95s);
  EXPECT_EQ(s.OfferedTo("vip"), "");
  s.Wait(2s);
  EXPECT_EQ(s.OfferedTo("vip"), "junior");
  auto why = s.engine.Explain("vip", s.now);
  EXPECT_NE(why.phase.find("at risk"), std::string::npos) << why.phase;
}

TEST(RoutingEngineTest, APredictedBreachRelaxesTheStepsBeforeTheFraction) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.default_relax_after = 1h;  // only the risk can relax it
  Scenario s(policy);
  // Chat has been slow: three customers each waited 5 minutes to be accepted.
  s.Login({.id = "a", .skills = "support:9", .chat = 5}, PRESENCE_BUSY);
  const std::vector<std::string> slow = {"slow1", "slow2", "slow3"};
  for (const auto& id : slow) s.Arrive({.id = id});
  s.Wait(300s);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  for (const auto& id : slow) {
    s.Take(id);
    s.Close(id);
  }
  s.SetPresence("a", PRESENCE_AWAY);
  s.Login({.id = "junior", .skills = "support:2"});
  // Standard tier: first response in 10 min, at risk by the fraction alone at 8 min.
  s.Arrive({.id = "c", .skills = "support:8"});
  s.Wait(299s);
  EXPECT_EQ(s.OfferedTo("c"), "");
  s.Wait(2s);
  EXPECT_EQ(s.OfferedTo("c"), "junior") << "from 5 min on, the typical 5 min wait would miss its 10 min";
  const std::string phase = s.engine.Explain("c", s.now).phase;
  EXPECT_NE(phase.find("typical wait of 300 s"), std::string::npos) << phase;
}

// The typical wait rises while a conversation waits: it is at risk from then on, not only from its
// next timer (here the fraction's, at 8 min).
TEST(RoutingEngineTest, ARisingTypicalWaitReachesTheConversationsAlreadyWaiting) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.default_relax_after = 1h;  // only the risk can relax it
  Scenario s(policy);
  s.Login({.id = "a", .skills = "support:9", .chat = 3}, PRESENCE_BUSY);
  const std::vector<std::string> slow = {"slow1", "slow2", "slow3"};
  for (const auto& id : slow) s.Arrive({.id = id});
  s.Wait(1s);
  s.Arrive({.id = "c", .skills = "support:8"});  // first response in 10 min; the typical wait is 0
  s.Wait(299s);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  for (const auto& id : slow) s.Take(id);  // each waited 5 min: a is full
  s.Login({.id = "junior", .skills = "support:2"});
  s.Wait(1s);
  EXPECT_EQ(s.OfferedTo("c"), "junior") << "waited 5 min of 10, and the typical wait is 5 min now";
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

TEST(RoutingEngineTest, DifficultCustomersRotateAmongTheirAgents) {
  Scenario s;
  s.Login({.id = "d1", .chat = 5, .difficult = true});
  s.Login({.id = "d2", .chat = 5, .difficult = true});
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    const std::string id = "c" + std::to_string(i);
    s.Arrive({.id = id, .difficult = true});
    got.push_back(s.OfferedTo(id));
    s.Take(id);
    s.Close(id);
    s.Wait(1s);
  }
  EXPECT_NE(got[0], got[1]);
  EXPECT_EQ(got[0], got[2]);
  EXPECT_EQ(got[1], got[3]);
}

TEST(RoutingEngineTest, StickinessWaitsForTheBusyPersonalManagerThenRoutesNormally) {
  Scenario s;
  s.Login({.id = "pm", .chat = 1});
  s.Login({.id = "other", .chat = 1});
  s.Arrive({.id = "busy"});
  const std::string holder = s.OfferedTo("busy");
  s.Take("busy");
  const std::string pm = holder;  // whoever is busy plays the personal manager
  const std::string free_agent = pm == "pm" ? "other" : "pm";
  s.Arrive({.id = "c", .personal_manager = pm});
  EXPECT_EQ(s.OfferedTo("c"), "") << "waits for the personal manager first";
  s.Close("busy");
  EXPECT_EQ(s.OfferedTo("c"), pm) << "the manager freed up within the wait";

  Scenario t;
  t.Login({.id = "pm", .chat = 1});
  t.Login({.id = "other", .chat = 1});
  t.SetPresence("pm", PRESENCE_BUSY);
  t.Arrive({.id = "c", .personal_manager = "pm"});
  EXPECT_EQ(t.OfferedTo("c"), "");
  t.Wait(t.engine.policy().personal_manager_wait + 1s);
  EXPECT_EQ(t.OfferedTo("c"), "other");
}

TEST(RoutingEngineTest, OfflinePersonalManagerIsNotWaitedFor) {
  Scenario s;
  s.Login({.id = "pm"}, PRESENCE_OFFLINE);
  s.Login({.id = "other"});
  s.Arrive({.id = "c", .personal_manager = "pm"});
  EXPECT_EQ(s.OfferedTo("c"), "other");
}

// Declined, the personal manager's wait is not waited out: the first step's wait counts from
// arrival and it relaxes on time.
TEST(RoutingEngineTest, AStepRelaxesOnTimeAfterThePersonalManagerDeclines) {
  Scenario s;
  s.Login({.id = "pm"});
  s.Login({.id = "b", .skills = "billing:3"});
  s.Arrive({.id = "c", .skills = "billing:7", .personal_manager = "pm"});
  ASSERT_EQ(s.OfferedTo("c"), "pm");
  ASSERT_TRUE(s.Decline("c"));
  EXPECT_EQ(s.OfferedTo("c"), "") << "b's billing:3 is not the first step's billing>=7";
  s.Wait(s.engine.policy().default_relax_after - 1s);
  EXPECT_EQ(s.OfferedTo("c"), "");
  s.Wait(2s);
  EXPECT_EQ(s.OfferedTo("c"), "b") << s.engine.Explain("c", s.now).phase;
}

// The customer card changes while the conversation waits (omnictl customer, a merge): the new
// facts route it, its steps' wait goes on, and an open offer stands while its agent still fits.
TEST(RoutingEngineTest, ACustomerUpdateRequalifiesWithoutLosingItsPlace) {
  Scenario s;
  s.Login({.id = "a", .skills = "billing:3"});
  s.Arrive({.id = "c", .skills = "billing:7"});
  s.Wait(40s);
  s.engine.Requalify(s.Item({.id = "c", .skills = "billing:7", .tier = TIER_GOLD}), s.now);
  s.Settle();
  EXPECT_EQ(s.engine.Explain("c", s.now).urgency_parts.tier, s.engine.policy().ForTier(TIER_GOLD).weight);
  s.Wait(19s);
  EXPECT_EQ(s.OfferedTo("c"), "") << "59 s into the first step";
  s.Wait(2s);
  ASSERT_EQ(s.OfferedTo("c"), "a") << "the step relaxed 60 s after arrival, not after the update";

  s.engine.Requalify(s.Item({.id = "c", .skills = "billing:7", .tier = TIER_GOLD}), s.now);
  s.Settle();
  EXPECT_TRUE(s.Decisions(Decision::Kind::kOfferWithdrawn).empty()) << "a may still serve it: the offer stands";
  s.Login({.id = "pm", .skills = "billing:9"}, PRESENCE_BUSY);
  s.engine.Requalify(s.Item({.id = "c", .skills = "billing:7", .tier = TIER_GOLD, .personal_manager = "pm"}), s.now);
  s.Settle();
  ASSERT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).size(), 1u)
      << "a's billing:3 fits no phase left: the manager's wait is over (it counts from arrival), "
         "and the step asks billing>=7";
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn)[0].reason, "requirements_changed");
  s.SetPresence("pm", PRESENCE_AVAILABLE);
  EXPECT_EQ(s.OfferedTo("c"), "pm");
}

TEST(RoutingEngineTest, TimedOutOfferGoesElsewhereAndNotBackDuringCooldown) {
  Scenario s;
  s.Login({.id = "a"});
  s.Arrive({.id = "c"});
  ASSERT_EQ(s.OfferedTo("c"), "a");
  s.Login({.id = "b"});
  s.Wait(s.engine.policy().offer_timeout);
  EXPECT_EQ(s.OfferedTo("c"), "b");
  ASSERT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn)[0].reason, "timeout");
  ASSERT_TRUE(s.Decline("c"));
  EXPECT_EQ(s.OfferedTo("c"), "") << "both refused it, both are on cooldown";
  s.Wait(s.engine.policy().decline_cooldown);
  EXPECT_NE(s.OfferedTo("c"), "");
}

TEST(RoutingEngineTest, AcceptedWithoutReplyIsReclaimed) {
  Scenario s;
  s.Login({.id = "a"});
  s.Arrive({.id = "silent"});
  ASSERT_TRUE(s.Accept("silent"));
  s.Arrive({.id = "answered"});
  ASSERT_EQ(s.OfferedTo("answered"), "a");
  s.Take("answered");
  s.Login({.id = "b"});
  s.Wait(s.engine.policy().reply_timeout + 1s);
  auto reclaimed = s.Decisions(Decision::Kind::kReclaimed);
  ASSERT_EQ(reclaimed.size(), 1u);
  EXPECT_EQ(reclaimed[0].conversation_id, "silent");
  EXPECT_EQ(reclaimed[0].reason, "no_reply");
  EXPECT_EQ(s.OfferedTo("silent"), "b");
  EXPECT_EQ(s.HeldBy("answered"), "a");
}

TEST(RoutingEngineTest, DisconnectWithinGraceKeepsWorkBeyondGraceRequeuesItFirst) {
  Scenario s;
  s.Login({.id = "a", .chat = 2});
  s.Arrive({.id = "c1"});
  s.Take("c1");
  s.SetPresence("a", PRESENCE_OFFLINE);
  s.Wait(10s);
  s.SetPresence("a", PRESENCE_AVAILABLE);  // a flapping connection
  s.Wait(60s);
  EXPECT_EQ(s.HeldBy("c1"), "a");

  s.SetPresence("a", PRESENCE_OFFLINE);
  s.Login({.id = "b", .chat = 1}, PRESENCE_BUSY);
  s.Arrive({.id = "newer"});
  s.Wait(s.engine.policy().presence_grace + 1s);
  ASSERT_EQ(s.Decisions(Decision::Kind::kReclaimed).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kReclaimed)[0].reason, "agent_offline");
  s.SetPresence("b", PRESENCE_AVAILABLE);
  EXPECT_EQ(s.OfferedTo("c1"), "b") << "the reclaimed conversation kept its place ahead of newer ones";
  EXPECT_EQ(s.OfferedTo("newer"), "");
}

// A removed agent's offers, conversations and wrap-ups are given back at once (no grace), their
// conversations keep their place, and nothing is offered to them again until they are added back.
TEST(RoutingEngineTest, ARemovedAgentsWorkGoesBackAtOnceAndTheyAreOfferedNothingMore) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.wrap_up = 5min;
  Scenario s(policy);
  s.Login({.id = "a", .chat = 3});
  s.Arrive({.id = "assigned"});
  s.Take("assigned");
  s.Arrive({.id = "wrapping_up"});
  s.Take("wrapping_up");
  s.Close("wrapping_up");
  s.Arrive({.id = "offered"});
  ASSERT_EQ(s.OfferedTo("offered"), "a");
  ASSERT_EQ(s.engine.AssignedCount("a"), 2);
  s.Login({.id = "b", .chat = 3}, PRESENCE_BUSY);
  s.Arrive({.id = "newer"});

  s.engine.RemoveAgent("a", s.now);
  s.Settle();
  EXPECT_EQ(s.engine.AssignedCount("a"), 0);
  EXPECT_EQ(s.engine.OfferedCount("a"), 0);
  ASSERT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn)[0].reason, "agent_removed");
  ASSERT_EQ(s.Decisions(Decision::Kind::kReclaimed).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kReclaimed)[0].conversation_id, "assigned");
  EXPECT_EQ(s.Decisions(Decision::Kind::kReclaimed)[0].reason, "agent_removed");
  ASSERT_EQ(s.Decisions(Decision::Kind::kWrapUpEnded).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kWrapUpEnded)[0].conversation_id, "wrapping_up");
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
  for (const auto& candidate : s.engine.Explain("assigned", s.now).candidates) {
    EXPECT_NE(candidate.agent_id, "a") << "a removed agent is no candidate";
  }

  s.SetPresence("b", PRESENCE_AVAILABLE);
  EXPECT_EQ(s.OfferedTo("assigned"), "b") << "their conversation kept its place ahead of newer ones";
  EXPECT_EQ(s.OfferedTo("offered"), "b");
  EXPECT_EQ(s.OfferedTo("newer"), "b");
  s.Arrive({.id = "later"});
  EXPECT_EQ(s.OfferedTo("later"), "") << "b is full; the removed agent takes nothing";

  // Added back, they are an agent like any other once they log in.
  s.Login({.id = "a", .chat = 3});
  EXPECT_EQ(s.OfferedTo("later"), "a");
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

// An agent taken off routing (a quality standing) is offered nothing new, whatever their
// presence: their open offer goes to another, nobody waits for them by name, what they hold they
// finish; explanations say why; back on routing, they take work at once.
TEST(RoutingEngineTest, AnAgentOffRoutingIsOfferedNothingNewUntilBackOn) {
  Scenario s;
  s.Login({.id = "a", .skills = "support:9", .chat = 3});
  s.Arrive({.id = "assigned", .skills = "support:1"});
  s.Take("assigned");
  s.Arrive({.id = "offered", .skills = "support:1"});
  ASSERT_EQ(s.OfferedTo("offered"), "a");
  s.Login({.id = "b", .skills = "support:2", .chat = 2}, PRESENCE_BUSY);

  const std::string why = "off routing for quality: average 30.0 of the last 1 review is below 45";
  s.engine.SetOffRouting("a", why, s.now);
  s.Settle();
  ASSERT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).size(), 1u);
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn)[0].conversation_id, "offered");
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn)[0].reason, "agent_off_routing");
  EXPECT_EQ(s.HeldBy("assigned"), "a") << "what they hold they finish";
  EXPECT_EQ(s.OfferedTo("offered"), "") << "b is busy: it waits";
  bool explained = false;
  for (const auto& c : s.engine.Explain("offered", s.now).candidates) {
    if (c.agent_id != "a") continue;
    EXPECT_FALSE(c.eligible);
    EXPECT_EQ(c.verdict, why);
    explained = true;
  }
  EXPECT_TRUE(explained);

  s.SetPresence("b", PRESENCE_AVAILABLE);
  EXPECT_EQ(s.OfferedTo("offered"), "b") << "the better fit is off routing";
  s.Take("offered");
  s.Arrive({.id = "new", .skills = "support:1", .personal_manager = "a"});
  EXPECT_EQ(s.OfferedTo("new"), "b") << "nobody waits for an agent off routing by name";
  s.Take("new");
  s.Close("assigned");
  s.SetPresence("a", PRESENCE_AWAY);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  s.Arrive({.id = "later", .skills = "support:1"});
  s.Wait(30s);
  EXPECT_EQ(s.engine.OfferedCount("a") + s.engine.AssignedCount("a"), 0) << "a login or presence change does not end it";
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();

  // A roster change keeps it; back on routing, the agent takes work at once.
  s.Login({.id = "a", .skills = "support:9", .chat = 3});
  EXPECT_EQ(s.engine.OfferedCount("a"), 0);
  s.engine.SetOffRouting("a", "", s.now);
  s.Settle();
  EXPECT_EQ(s.OfferedTo("later"), "a");
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
}

TEST(RoutingEngineTest, ALostConnectionKeepsOffersUntilTheyExpireGoingOfflineWithdrawsThem) {
  Scenario s;
  s.Login({.id = "a"});
  s.Arrive({.id = "c1"});
  ASSERT_EQ(s.OfferedTo("c1"), "a");
  const Offer offer = s.offers.at("c1");
  s.engine.Disconnected("a", s.now);
  s.Settle();
  s.Login({.id = "b"});
  s.Wait(5s);
  EXPECT_EQ(s.OfferedTo("c1"), "a") << "held for a console that reconnects";
  ASSERT_EQ(s.engine.OffersFor("a").size(), 1u);
  EXPECT_EQ(s.engine.OffersFor("a")[0].offer_id, offer.offer_id);
  EXPECT_EQ(s.engine.OffersFor("a")[0].expires_at, offer.expires_at);
  s.Arrive({.id = "c2"});
  EXPECT_EQ(s.OfferedTo("c2"), "b") << "nothing new for an agent away";
  // Back within the offer's time (busy, as a login is): the offer can still be accepted.
  s.SetPresence("a", omnibroker::v1::PRESENCE_BUSY);
  EXPECT_TRUE(s.Accept("c1"));
  EXPECT_EQ(s.HeldBy("c1"), "a");

  // Not back in time: the offer times out as any other.
  s.Arrive({.id = "c3"});
  s.SetPresence("a", PRESENCE_AVAILABLE);
  s.Arrive({.id = "c4"});
  ASSERT_EQ(s.OfferedTo("c4"), "a");
  s.engine.Disconnected("a", s.now);
  s.Wait(s.engine.policy().offer_timeout);
  ASSERT_FALSE(s.Decisions(Decision::Kind::kOfferWithdrawn).empty());
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).back().reason, "timeout");
  EXPECT_TRUE(s.engine.OffersFor("a").empty());

  // Going offline on purpose gives the offers back at once.
  s.Login({.id = "d"}, PRESENCE_AVAILABLE);
  s.Arrive({.id = "c5"});
  const std::string holder = s.OfferedTo("c5");
  ASSERT_FALSE(holder.empty());
  s.SetPresence(holder, PRESENCE_OFFLINE);
  EXPECT_EQ(s.Decisions(Decision::Kind::kOfferWithdrawn).back().reason, "agent_offline");
  EXPECT_TRUE(s.engine.OffersFor(holder).empty());
  EXPECT_TRUE(s.engine.CheckInvariants().ok());
}

// The test policy with ramp-up: one more concurrent conversation every 2 minutes.
RoutingPolicy WithRampUp() {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.ramp_step = 2min;
  return policy;
}

TEST(RoutingEngineTest, AgentBackFromAwayRampsUp) {
  RoutingPolicy policy = WithRampUp();
  Scenario s(policy);
  s.Login({.id = "a", .chat = 3}, PRESENCE_AWAY);
  for (int i = 0; i < 3; ++i) s.Arrive({.id = "c" + std::to_string(i)});
  s.SetPresence("a", PRESENCE_AVAILABLE);
  auto take_offers = [&] {
    for (int i = 0; i < 3; ++i) s.Take("c" + std::to_string(i));
    return s.engine.AssignedCount("a");
  };
  EXPECT_EQ(take_offers(), 1);
  s.Wait(119s);
  EXPECT_EQ(take_offers(), 1);
  s.Wait(1s);
  EXPECT_EQ(take_offers(), 2);
  s.Wait(2min);
  EXPECT_EQ(take_offers(), 3);
}

// A console logs in through busy (offline, busy, available): back from a night off, it ramps up.
TEST(RoutingEngineTest, ALoginPastTheGraceRampsUpThoughItPassesThroughBusy) {
  RoutingPolicy policy = WithRampUp();
  Scenario s(policy);
  s.Login({.id = "a", .chat = 3}, PRESENCE_OFFLINE);
  for (int i = 0; i < 3; ++i) s.Arrive({.id = "c" + std::to_string(i)});
  s.Wait(policy.presence_grace);
  s.SetPresence("a", PRESENCE_BUSY);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  EXPECT_EQ(s.engine.OfferedCount("a"), 1);

  // Within the grace it is a flap, and a busy spell at work is no break: no ramp either way.
  Scenario t(policy);
  t.Login({.id = "a", .chat = 3}, PRESENCE_OFFLINE);
  for (int i = 0; i < 3; ++i) t.Arrive({.id = "c" + std::to_string(i)});
  t.SetPresence("a", PRESENCE_BUSY);
  t.SetPresence("a", PRESENCE_AVAILABLE);
  EXPECT_EQ(t.engine.OfferedCount("a"), 3) << "logged in within the grace of the engine's start";
}

TEST(RoutingEngineTest, ABusySpellPausesTheRampAndItGoesOnAfter) {
  RoutingPolicy policy = WithRampUp();
  Scenario s(policy);
  s.Login({.id = "a", .chat = 3}, PRESENCE_AWAY);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  s.Arrive({.id = "c0"});
  s.Take("c0");
  s.SetPresence("a", PRESENCE_BUSY);
  s.Wait(30s);
  s.SetPresence("a", PRESENCE_AVAILABLE);
  s.Wait(10min);
  s.Arrive({.id = "c1"});
  EXPECT_EQ(s.OfferedTo("c1"), "a") << "10 min into the ramp: room for 3, holds 1";
}

TEST(RoutingEngineTest, TurningRampUpOffGivesFullCapacityAtOnce) {
  RoutingPolicy policy = WithRampUp();
  Scenario s(policy);
  s.Login({.id = "a", .chat = 3}, PRESENCE_AWAY);
  for (int i = 0; i < 3; ++i) s.Arrive({.id = "c" + std::to_string(i)});
  s.SetPresence("a", PRESENCE_AVAILABLE);
  ASSERT_EQ(s.engine.OfferedCount("a"), 1);
  policy.ramp_step = 0s;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());
  s.Settle();
  EXPECT_EQ(s.engine.OfferedCount("a"), 3);
  EXPECT_TRUE(s.engine.CheckInvariants().ok());
}

TEST(RoutingEngineTest, AChangedGraceRetimesTheOfflineAgentsConversations) {
  Scenario s;
  s.Login({.id = "a"});
  s.Arrive({.id = "longer"});
  s.Take("longer");
  s.SetPresence("a", PRESENCE_OFFLINE);
  s.Wait(1s);
  RoutingPolicy policy = s.engine.policy();
  policy.presence_grace = 60s;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());
  s.Wait(58s);
  EXPECT_EQ(s.HeldBy("longer"), "a") << "59 s of a 60 s grace";
  s.Wait(2s);
  EXPECT_EQ(s.HeldBy("longer"), "") << "reclaimed when the longer grace ended";

  Scenario t;
  t.Login({.id = "a"});
  t.Arrive({.id = "shorter"});
  t.Take("shorter");
  t.SetPresence("a", PRESENCE_OFFLINE);
  policy.presence_grace = 5s;
  ASSERT_TRUE(t.engine.SetPolicy(policy, t.now).ok());
  t.Wait(6s);
  EXPECT_EQ(t.HeldBy("shorter"), "") << "reclaimed when the shorter grace ended";
}

TEST(RoutingEngineTest, CapacityIsNeverExceededAcrossSharedPools) {
  Scenario s;
  s.Login({.id = "a", .chat = 2});
  s.Arrive({.id = "chat"});
  s.Arrive({.id = "telegram", .channel = omnibroker::v1::CHANNEL_MESSENGER});
  s.Arrive({.id = "x", .channel = omnibroker::v1::CHANNEL_SOCIAL});
  EXPECT_EQ(s.engine.OfferedCount("a"), 2);
  EXPECT_TRUE(s.engine.CheckInvariants().ok());
}

TEST(RoutingEngineTest, DeadlinesBreachOnceAndOnlyWhenMissed) {
  Scenario s;
  s.Arrive({.id = "unanswered", .tier = TIER_VIP});  // first response due in 2 min
  s.Login({.id = "a", .tiers = {TIER_VIP}});
  s.Arrive({.id = "answered", .tier = TIER_VIP});
  s.Take("unanswered");
  s.Take("answered");
  s.engine.CustomerMessage("answered", s.now);  // next response due in 5 min
  s.Wait(3min);
  auto breaches = s.Decisions(Decision::Kind::kBreach);
  EXPECT_TRUE(breaches.empty()) << "both were answered in time";

  s.Arrive({.id = "late", .tier = TIER_VIP});
  s.Wait(6min);
  breaches = s.Decisions(Decision::Kind::kBreach);
  ASSERT_EQ(breaches.size(), 2u);
  std::set<std::pair<std::string, std::string>> got;
  for (auto& b : breaches) got.insert({b.conversation_id, b.reason});
  EXPECT_TRUE(got.contains({"late", "first_response"}));
  EXPECT_TRUE(got.contains({"answered", "next_response"}));
}

TEST(RoutingEngineTest, TransferToAgentAndToQueue) {
  Scenario s;
  s.Login({.id = "a", .skills = "support:5"});
  s.Login({.id = "b", .skills = "support:5"});
  s.Login({.id = "billing", .skills = "billing:8"});
  s.Arrive({.id = "c", .skills = "support:5"});
  const std::string first = s.OfferedTo("c");
  s.Take("c");
  const std::string second = first == "a" ? "b" : "a";
  ASSERT_TRUE(s.engine.TransferToAgent("c", first, second, s.now).ok());
  s.Settle();
  EXPECT_EQ(s.OfferedTo("c"), second);
  EXPECT_EQ(s.engine.TransferToAgent("c", first, second, s.now).code(), absl::StatusCode::kFailedPrecondition)
      << "only the holder transfers";
  s.Take("c");
  omnibroker::v1::RoutingStep billing;
  auto* skill = billing.add_skills();
  skill->set_skill("billing");
  skill->set_min_proficiency(7);
  ASSERT_TRUE(s.engine.TransferToQueue("c", second, {.steps = {billing}, .language = "en", .tier = TIER_STANDARD}, s.now).ok());
  s.Settle();
  EXPECT_EQ(s.OfferedTo("c"), "billing");
}

TEST(RoutingEngineTest, ATransferToAQueueTakesItsLanguageTierAndPriority) {
  Scenario s;
  s.Login({.id = "en", .chat = 1, .tiers = {TIER_VIP}});
  s.Login({.id = "es", .languages = "es", .chat = 1, .tiers = {TIER_VIP}});
  s.Arrive({.id = "c"});
  ASSERT_EQ(s.OfferedTo("c"), "en");
  ASSERT_TRUE(s.Accept("c"));  // not answered yet: the first response is still due
  ASSERT_TRUE(s.engine.TransferToQueue("c", "en", {.language = "es", .tier = TIER_VIP, .priority = 2}, s.now).ok());
  s.Settle();
  EXPECT_EQ(s.OfferedTo("c"), "es") << "routed in the new queue's language";
  const Explanation why = s.engine.Explain("c", s.now);
  EXPECT_EQ(why.urgency_parts.tier, s.engine.policy().ForTier(TIER_VIP).weight);
  EXPECT_EQ(why.urgency_parts.priority, 2 * s.engine.policy().urgency_per_priority);
  s.Wait(s.engine.policy().ForTier(TIER_VIP).first_response);
  ASSERT_EQ(s.Decisions(Decision::Kind::kBreach).size(), 1u) << "the VIP first response was due";
  EXPECT_EQ(s.Decisions(Decision::Kind::kBreach)[0].reason, "first_response");
}

// An email agent is still writing when a chat agent would have been reclaimed.
TEST(RoutingEngineTest, AChannelsOwnReplyTimeoutReclaims) {
  Scenario s;
  s.Login({.id = "a", .chat = 1});
  auto* email = s.roster["a"].add_capacity();
  email->set_channel(omnibroker::v1::CHANNEL_EMAIL);
  email->set_max_concurrent(1);
  s.engine.UpsertAgent(s.roster["a"], s.now);
  s.Arrive({.id = "chat"});
  s.Arrive({.id = "email", .channel = omnibroker::v1::CHANNEL_EMAIL});
  ASSERT_TRUE(s.Accept("chat"));
  ASSERT_TRUE(s.Accept("email"));
  s.Wait(s.engine.policy().reply_timeout + 1s);
  EXPECT_EQ(s.HeldBy("chat"), "") << "no chat reply within reply_timeout";
  EXPECT_EQ(s.HeldBy("email"), "a");
  s.Wait(s.engine.policy().ReplyTimeout(omnibroker::v1::CHANNEL_EMAIL));
  EXPECT_EQ(s.HeldBy("email"), "") << "no email reply within email's own timeout";
}

TEST(RoutingEngineTest, ADifficultCustomerIsTransferredOnlyToAgentsMarkedForThem) {
  Scenario s;
  s.Login({.id = "d1", .difficult = true});
  s.Login({.id = "d2", .difficult = true});
  s.Login({.id = "plain"});
  s.Arrive({.id = "c", .difficult = true});
  const std::string first = s.OfferedTo("c");
  s.Take("c");
  const auto refused = s.engine.TransferToAgent("c", first, "plain", s.now);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_NE(refused.message().find("difficult"), std::string_view::npos) << refused;
  EXPECT_EQ(s.HeldBy("c"), first) << "a refused transfer leaves the conversation where it was";
  const std::string other = first == "d1" ? "d2" : "d1";
  ASSERT_TRUE(s.engine.TransferToAgent("c", first, other, s.now).ok());
  s.Settle();
  EXPECT_EQ(s.OfferedTo("c"), other);
}

TEST(RoutingEngineTest, APolicyChangeRetimesTheDeadlinesAlreadyRunning) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.tiers[TIER_STANDARD].first_response = 10min;
  policy.risk_fraction = 1;  // no early relaxing in the way
  Scenario s(policy);
  s.Login({.id = "fr", .languages = "fr"});
  s.Arrive({.id = "shortened"});  // nobody speaks en: it waits
  s.Wait(1min);
  policy.tiers[TIER_STANDARD].first_response = 2min;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());
  s.Wait(61s);
  ASSERT_EQ(s.Decisions(Decision::Kind::kBreach).size(), 1u) << "due at 2 min now, not at 10";
  EXPECT_EQ(s.Decisions(Decision::Kind::kBreach)[0].conversation_id, "shortened");

  s.Arrive({.id = "lengthened"});  // due in 2 min
  s.Wait(1min);
  policy.tiers[TIER_STANDARD].first_response = 5min;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());
  s.Wait(3min);
  EXPECT_EQ(s.Decisions(Decision::Kind::kBreach).size(), 1u) << "not due at the old 2 min";
  s.Wait(1min + 1s);
  ASSERT_EQ(s.Decisions(Decision::Kind::kBreach).size(), 2u) << "the new 5 min still reports it";
  EXPECT_EQ(s.Decisions(Decision::Kind::kBreach)[1].conversation_id, "lengthened");
}

TEST(RoutingEngineTest, APolicyChangeRetimesTheReplyTimeout) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.reply_timeout = 3min;
  Scenario s(policy);
  s.Login({.id = "a"});
  s.Arrive({.id = "c"});
  ASSERT_TRUE(s.Accept("c"));  // and no reply
  s.Wait(1min);
  policy.reply_timeout = 5min;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());
  s.Wait(3min);
  EXPECT_EQ(s.HeldBy("c"), "a") << "not reclaimed at the old 3 min";
  s.Wait(1min + 1s);
  EXPECT_EQ(s.HeldBy("c"), "") << "reclaimed at the new 5 min";
  EXPECT_EQ(s.Decisions(Decision::Kind::kReclaimed).size(), 1u);
}

TEST(RoutingEngineTest, APolicyChangeOfCapacityPoolsReleasesEachConversationWhereItWasHeld) {
  Scenario s;
  s.Login({.id = "a", .chat = 2});  // messengers share the chat units by default
  s.Arrive({.id = "m", .channel = omnibroker::v1::CHANNEL_MESSENGER});
  s.Take("m");
  RoutingPolicy policy = s.engine.policy();
  policy.channels[omnibroker::v1::CHANNEL_MESSENGER].capacity_pool = omnibroker::v1::CHANNEL_UNSPECIFIED;
  ASSERT_TRUE(s.engine.SetPolicy(policy, s.now).ok());  // messengers have their own units from now on
  s.Close("m");
  EXPECT_TRUE(s.engine.CheckInvariants().ok()) << s.engine.CheckInvariants();
  s.Arrive({.id = "c1"});
  s.Take("c1");
  s.Arrive({.id = "c2"});
  EXPECT_EQ(s.OfferedTo("c2"), "a") << "both chat units are free again";
}

// A queue's rule routes its conversations: here, billing experts in the customer's language for
// two minutes, then any billing agent in any language (a customer nobody on shift speaks to is
// answered, not left waiting for good).
TEST(RoutingEngineTest, AQueueRuleRoutesItsConversationsStepByStep) {
  RoutingPolicy policy = Scenario::TestPolicy();
  omnibroker::v1::RoutingStep experts, anyone;
  auto* expert = experts.add_skills();
  expert->set_skill("billing");
  expert->set_min_proficiency(8);
  experts.set_wait_seconds(120);
  auto* any = anyone.add_skills();
  any->set_skill("billing");
  any->set_min_proficiency(1);
  anyone.set_language("*");
  policy.queues["billing"] = {experts, anyone};
  Scenario s(policy);
  s.Login({.id = "en_junior", .skills = "billing:3"});
  s.Login({.id = "fr_expert", .languages = "fr", .skills = "billing:9", .chat = 1});
  s.Arrive({.id = "c", .language = "fr", .queue = "billing"});
  EXPECT_EQ(s.OfferedTo("c"), "fr_expert");
  s.Take("c");  // the expert is full now

  s.Arrive({.id = "zh", .language = "zh", .skills = "support:9", .queue = "billing"});  // the rule, not its own skills
  EXPECT_EQ(s.OfferedTo("zh"), "");
  s.Wait(119s);
  EXPECT_EQ(s.OfferedTo("zh"), "") << "the first step still applies";
  s.Wait(2s);
  EXPECT_EQ(s.OfferedTo("zh"), "en_junior") << "then any billing agent, any language";

  s.Arrive({.id = "no_rule", .language = "zh", .queue = "sales"});  // no rule: the defaults
  s.Wait(10min);
  EXPECT_EQ(s.OfferedTo("no_rule"), "") << "the defaults keep the language";
}

// As with the default steps, a VIP tries the senior pool first, then the rule as written: a pool
// nobody is logged in to does not keep the customer waiting for good.
TEST(RoutingEngineTest, AQueueRuleTriesTheTiersSeniorPoolFirst) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.queues["general"] = {omnibroker::v1::RoutingStep{}};
  Scenario s(policy);
  s.Login({.id = "junior"});
  s.Arrive({.id = "vip", .tier = TIER_VIP, .queue = "general"});
  EXPECT_EQ(s.OfferedTo("vip"), "") << "first the senior pool";
  s.Wait(policy.default_relax_after + 1s);
  EXPECT_EQ(s.OfferedTo("vip"), "junior") << "then the rule as written";
  s.Arrive({.id = "standard", .queue = "general"});
  EXPECT_EQ(s.OfferedTo("standard"), "junior");
}

TEST(RoutingEngineTest, WrapUpHoldsCapacityUntilItEnds) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.wrap_up = 30s;
  Scenario s(policy);
  s.Login({.id = "a", .chat = 1});
  s.Arrive({.id = "c1"});
  s.Take("c1");
  s.Close("c1");
  s.Arrive({.id = "c2"});
  EXPECT_EQ(s.OfferedTo("c2"), "");
  s.Wait(31s);
  EXPECT_EQ(s.OfferedTo("c2"), "a");
  EXPECT_EQ(s.Decisions(Decision::Kind::kWrapUpEnded).size(), 1u);
}

TEST(RoutingEngineTest, AClosedConversationInItsWrapUpBreachesNothing) {
  RoutingPolicy policy = Scenario::TestPolicy();
  policy.wrap_up = 15min;
  Scenario s(policy);
  s.Login({.id = "a", .chat = 1});
  s.Arrive({.id = "c"});
  ASSERT_TRUE(s.Accept("c"));  // closed before any reply: no first response will come
  s.Close("c");
  s.Wait(11min);  // past the standard first response of 10 min, within the wrap-up
  EXPECT_TRUE(s.Decisions(Decision::Kind::kBreach).empty());
}

TEST(RoutingEngineTest, ExplainNamesTheRuleAndEachCandidatesVerdict) {
  Scenario s;
  s.Login({.id = "fit", .skills = "billing:9"});
  s.Login({.id = "weak", .skills = "billing:2"});
  s.Login({.id = "away", .skills = "billing:9"}, PRESENCE_AWAY);
  s.Login({.id = "russian", .languages = "ru", .skills = "billing:9"});
  s.Arrive({.id = "c", .skills = "billing:5"});
  auto why = s.engine.Explain("c", s.now);
  EXPECT_EQ(why.state, "offered");
  EXPECT_EQ(why.agent_id, "fit");
  EXPECT_NE(why.rule.find("step 1 of 2: billing>=5 en: best fit in the first required skill"), std::string::npos) << why.rule;
  std::map<std::string, std::string> verdicts;
  for (auto& c : why.candidates) verdicts[c.agent_id] = c.verdict;
  EXPECT_EQ(verdicts["weak"], "needs billing>=5");
  EXPECT_EQ(verdicts["away"], "PRESENCE_AWAY");
  EXPECT_EQ(verdicts["russian"], "does not speak en");
  EXPECT_NE(verdicts["fit"].find("holds it"), std::string::npos);
  std::map<std::string, Explanation::Candidate> by_agent;
  for (auto& c : why.candidates) by_agent[c.agent_id] = c;
  EXPECT_EQ(by_agent["fit"].fit, 9);
  EXPECT_EQ(by_agent["weak"].fit, 2);
  EXPECT_EQ(by_agent["fit"].load, 1) << "the offer holds a unit";
  EXPECT_EQ(by_agent["fit"].capacity, 2);
  EXPECT_EQ(by_agent["weak"].load, 0);
}

TEST(RoutingEngineTest, ExplainGivesEachPartOfTheUrgency) {
  Scenario s;  // standard tier: first response 10 min, at risk after 8
  s.Arrive({.id = "c", .language = "zh", .priority = 2});  // nobody to take it
  s.Wait(100s);
  auto parts = s.engine.Explain("c", s.now).urgency_parts;
  EXPECT_DOUBLE_EQ(parts.tier, 0);
  EXPECT_DOUBLE_EQ(parts.waited, 100);
  EXPECT_DOUBLE_EQ(parts.priority, 2 * s.engine.policy().urgency_per_priority);
  EXPECT_DOUBLE_EQ(parts.at_risk, 0);
  EXPECT_DOUBLE_EQ(s.engine.Explain("c", s.now).urgency, parts.total());
  s.Wait(400s);
  parts = s.engine.Explain("c", s.now).urgency_parts;
  EXPECT_DOUBLE_EQ(parts.waited, 500);
  EXPECT_DOUBLE_EQ(parts.at_risk, s.engine.policy().risk_urgency);

  s.Arrive({.id = "vip", .language = "zh", .tier = TIER_VIP});
  EXPECT_DOUBLE_EQ(s.engine.Explain("vip", s.now).urgency_parts.tier, s.engine.policy().ForTier(TIER_VIP).weight);
}

TEST(RoutingEngineTest, BreachesReportedBeforeARestartAreNotReportedAgain) {
  Scenario s;
  WorkItem item = s.Item({.id = "late", .tier = TIER_VIP});
  item.queued_at = kT0 - 10min;
  item.breached = {"first_response"};
  s.engine.Enqueue(item, s.now);
  s.Wait(2s);
  EXPECT_TRUE(s.Decisions(Decision::Kind::kBreach).empty());
  WorkItem fresh = s.Item({.id = "fresh", .tier = TIER_VIP});
  fresh.queued_at = kT0 - 10min;
  s.engine.Enqueue(fresh, s.now);
  s.Wait(2s);
  ASSERT_EQ(s.Decisions(Decision::Kind::kBreach).size(), 1u) << "a past deadline not yet reported is reported at once";
  EXPECT_EQ(s.Decisions(Decision::Kind::kBreach)[0].conversation_id, "fresh");
}

TEST(RoutingPolicyTest, ValidateNamesTheField) {
  RoutingPolicy p = DefaultRoutingPolicy();
  EXPECT_TRUE(Validate(p).ok());
  p.offer_timeout = 0s;
  EXPECT_NE(Validate(p).message().find("offer_timeout"), absl::string_view::npos);
  p = DefaultRoutingPolicy();
  p.risk_fraction = 1.5;
  EXPECT_NE(Validate(p).message().find("risk_fraction"), absl::string_view::npos);
  p = DefaultRoutingPolicy();
  p.tiers[TIER_GOLD].first_response = -1s;
  EXPECT_NE(Validate(p).message().find("TIER_GOLD.first_response"), absl::string_view::npos);
  p = DefaultRoutingPolicy();
  p.channels[omnibroker::v1::CHANNEL_CHAT].capacity_pool = omnibroker::v1::CHANNEL_MESSENGER;
  EXPECT_FALSE(Validate(p).ok()) << "chat into messenger, which itself shares chat";
}

}  // namespace
}  // namespace omni::routing
