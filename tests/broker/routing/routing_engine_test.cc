// The first-cut routing engine on a controlled clock: no threads, no I/O.
#include "broker/routing/routing_engine.h"

#include <gtest/gtest.h>

namespace omni::routing {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::Agent;

const TimePoint kT0 = TimePoint{} + std::chrono::hours(1000);

Agent MakeAgent(const std::string& id, std::vector<std::string> langs, std::vector<std::pair<std::string, int>> skills,
                int chat_capacity = 2) {
  Agent a;
  a.set_id(id);
  for (auto& l : langs) a.add_languages(l);
  for (auto& [name, level] : skills) {
    auto* s = a.add_skills();
    s->set_name(name);
    s->set_proficiency(level);
  }
  auto* c = a.add_capacity();
  c->set_channel(omnibroker::v1::CHANNEL_CHAT);
  c->set_max_concurrent(chat_capacity);
  return a;
}

WorkItem Chat(const std::string& id, std::string language = "", std::vector<std::pair<std::string, int>> skills = {},
              TimePoint at = kT0, int priority = 0) {
  WorkItem w{.conversation_id = id, .channel = omnibroker::v1::CHANNEL_CHAT, .language = language,
             .priority = priority, .queued_at = at};
  for (auto& [name, level] : skills) {
    omnibroker::v1::SkillRequirement r;
    r.set_skill(name);
    r.set_min_proficiency(level);
    w.skills.push_back(r);
  }
  return w;
}

class RoutingEngineTest : public ::testing::Test {
 protected:
  void AddAvailable(const Agent& a) {
    engine.UpsertAgent(a);
    engine.SetPresence(a.id(), omnibroker::v1::PRESENCE_AVAILABLE);
  }
  RoutingEngine engine{RoutingOptions{.offer_timeout = 20s, .decline_cooldown = 2min}};
};

TEST_F(RoutingEngineTest, MatchesSkillAndLanguage) {
  AddAvailable(MakeAgent("en_support", {"en"}, {{"support", 8}}));
  AddAvailable(MakeAgent("ru_billing", {"ru"}, {{"billing", 7}}));
  engine.Enqueue(Chat("c_ru", "ru", {{"billing", 5}}));
  engine.Enqueue(Chat("c_en", "en", {{"support", 5}}));
  engine.Enqueue(Chat("c_nobody", "en", {{"billing", 9}}));
  auto offers = engine.Dispatch(kT0);
  std::map<std::string, std::string> got;
  for (auto& o : offers) got[o.conversation_id] = o.agent_id;
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"c_en", "en_support"}, {"c_ru", "ru_billing"}}));
}

TEST_F(RoutingEngineTest, OnlyAvailableAgentsGetOffers) {
  engine.UpsertAgent(MakeAgent("offline", {"en"}, {}));
  engine.UpsertAgent(MakeAgent("busy", {"en"}, {}));
  engine.SetPresence("busy", omnibroker::v1::PRESENCE_BUSY);
  engine.Enqueue(Chat("c1"));
  EXPECT_TRUE(engine.Dispatch(kT0).empty());
  engine.SetPresence("busy", omnibroker::v1::PRESENCE_AVAILABLE);
  auto offers = engine.Dispatch(kT0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].agent_id, "busy");
}

TEST_F(RoutingEngineTest, RespectsCapacityAndBalancesLoad) {
  AddAvailable(MakeAgent("a", {"en"}, {}, /*chat_capacity=*/2));
  AddAvailable(MakeAgent("b", {"en"}, {}, /*chat_capacity=*/2));
  for (int i = 0; i < 5; ++i) engine.Enqueue(Chat("c" + std::to_string(i), "", {}, kT0 + std::chrono::seconds(i)));
  auto offers = engine.Dispatch(kT0);
  ASSERT_EQ(offers.size(), 4u);  // 2 + 2; the fifth waits
  EXPECT_EQ(engine.OfferedCount("a"), 2);
  EXPECT_EQ(engine.OfferedCount("b"), 2);
  // The oldest four were offered; the newest waits.
  for (auto& o : offers) EXPECT_NE(o.conversation_id, "c4");
  // Closing one frees capacity for the waiting one.
  ASSERT_TRUE(engine.Accept(offers[0].offer_id, offers[0].agent_id).ok());
  engine.Release(offers[0].conversation_id);
  auto next = engine.Dispatch(kT0);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].conversation_id, "c4");
}

TEST_F(RoutingEngineTest, PriorityBeforeAge) {
  AddAvailable(MakeAgent("a", {"en"}, {}, 1));
  engine.Enqueue(Chat("old", "", {}, kT0));
  engine.Enqueue(Chat("urgent", "", {}, kT0 + 10s, /*priority=*/5));
  auto offers = engine.Dispatch(kT0 + 20s);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].conversation_id, "urgent");
}

TEST_F(RoutingEngineTest, DeclineReoffersElsewhereAndNotBackSoon) {
  AddAvailable(MakeAgent("a", {"en"}, {}));
  AddAvailable(MakeAgent("b", {"en"}, {}));
  engine.Enqueue(Chat("c1"));
  auto first = engine.Dispatch(kT0);
  ASSERT_EQ(first.size(), 1u);
  const std::string declined_by = first[0].agent_id;
  ASSERT_TRUE(engine.Decline(first[0].offer_id, declined_by, kT0 + 1s).ok());
  auto second = engine.Dispatch(kT0 + 1s);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(second[0].agent_id, declined_by);
  // The other agent declines too: nobody else, and both are cooling down.
  ASSERT_TRUE(engine.Decline(second[0].offer_id, second[0].agent_id, kT0 + 2s).ok());
  EXPECT_TRUE(engine.Dispatch(kT0 + 3s).empty());
  EXPECT_EQ(engine.Dispatch(kT0 + 3min).size(), 1u);  // after the cooldown
}

TEST_F(RoutingEngineTest, OfferTimesOutAndIsReoffered) {
  AddAvailable(MakeAgent("a", {"en"}, {}));
  AddAvailable(MakeAgent("b", {"en"}, {}));
  engine.Enqueue(Chat("c1"));
  auto offers = engine.Dispatch(kT0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(engine.NextExpiry(), kT0 + 20s);
  EXPECT_TRUE(engine.ExpireOffers(kT0 + 19s).empty());
  auto expired = engine.ExpireOffers(kT0 + 20s);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_FALSE(engine.Accept(offers[0].offer_id, offers[0].agent_id).ok());  // too late
  auto again = engine.Dispatch(kT0 + 20s);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_NE(again[0].agent_id, offers[0].agent_id);
}

TEST_F(RoutingEngineTest, GoingOfflineRevokesOffers) {
  AddAvailable(MakeAgent("a", {"en"}, {}));
  engine.Enqueue(Chat("c1"));
  ASSERT_EQ(engine.Dispatch(kT0).size(), 1u);
  auto revoked = engine.SetPresence("a", omnibroker::v1::PRESENCE_OFFLINE);
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(engine.OfferedCount("a"), 0);
  ASSERT_EQ(engine.Queue().size(), 1u);
  EXPECT_FALSE(engine.Queue()[0].offer.has_value());
}

TEST_F(RoutingEngineTest, OnlyTheOfferedAgentCanAccept) {
  AddAvailable(MakeAgent("a", {"en"}, {}));
  engine.UpsertAgent(MakeAgent("b", {"en"}, {}));
  engine.Enqueue(Chat("c1"));
  auto offers = engine.Dispatch(kT0);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(engine.Accept(offers[0].offer_id, "b").status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE(engine.Accept(offers[0].offer_id, "a").ok());
  EXPECT_EQ(engine.AssignedAgent("c1"), "a");
  EXPECT_EQ(engine.AssignedCount("a"), 1);
}

TEST_F(RoutingEngineTest, RestoredAssignmentsCountAgainstCapacity) {
  AddAvailable(MakeAgent("a", {"en"}, {}, /*chat_capacity=*/1));
  engine.RestoreAssigned("old", "a", omnibroker::v1::CHANNEL_CHAT);
  engine.Enqueue(Chat("new"));
  EXPECT_TRUE(engine.Dispatch(kT0).empty());
}

}  // namespace
}  // namespace omni::routing
