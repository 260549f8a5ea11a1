// The supervisor's floor (Admin GetFloorStats) of a real broker after a scripted quarter of an
// hour on a fake clock: three agents of one chat unit each and a supervisor, five chats and two
// calls through the real ingest, answers, replies, closes, wrap-ups and a breach through
// agent-sdk. Every number is checked against the values worked out by hand in the comments.
#include <gtest/gtest.h>

#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/floor_stats.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using testing::FloorAgent;
using testing::FloorQueue;

using namespace std::chrono_literals;
using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_AWAY;

omnibroker::v1::Agent ChatAgent(const std::string& id) {
  omnibroker::v1::Agent agent;
  agent.set_id(id);
  agent.add_languages("en");
  auto* chat = agent.add_capacity();
  chat->set_channel(omnibroker::v1::CHANNEL_CHAT);
  chat->set_max_concurrent(1);
  return agent;
}

omnibroker::v1::Event Chat(const std::string& id, const std::string& queue) {
  auto event = testing::MessageFrom(id, "telegram", "thread-" + id, "Hello");
  event.set_language("en");
  event.mutable_routing()->set_queue(queue);
  return event;
}

omnibroker::v1::Event Call(const std::string& id, const std::string& outcome = "") {
  auto event = testing::MessageFrom(id + outcome, "sip", "sip:" + id + "@pbx", "Call");
  event.set_kind(omnibroker::v1::EVENT_KIND_CALL);
  event.set_thread_key(id + "@pbx");
  if (!outcome.empty()) (*event.mutable_provider_metadata())["call.outcome"] = outcome;
  return event;
}

class FloorFlowTest : public ::testing::Test {
 protected:
  static app::BrokerConfig Config(const std::filesystem::path& dir, const std::string& ingest) {
    app::BrokerConfig config = testing::TestConfig(dir, ingest);
    config.agents = {ChatAgent("a1"), ChatAgent("a2"), ChatAgent("a3")};
    omnibroker::v1::Agent sofia;
    sofia.set_id("sofia");
    sofia.add_roles("supervisor");
    config.agents.push_back(sofia);
    config.routing.wrap_up = 30s;
    config.floor_stats.answer_targets = {{"*", 20s}, {"support", 60s}};
    return config;
  }

  void SetUp() override {
    ASSERT_OK(broker.Start());
    admin = std::make_unique<testing::AdminClient>(broker.grpc_address());
    for (const char* id : {"a1", "a2", "a3", "sofia"}) {
      auto client = agent::AgentClient::Connect(broker.grpc_address(), id);
      ASSERT_TRUE(client.ok()) << client.status();
      agents[id] = std::move(*client);
    }
  }
  void TearDown() override {
    for (auto& [id, client] : agents) client->Close();
    broker.Stop();
  }

  // Moves the clock to `seconds` after the start.
  void At(int seconds) {
    const auto target = start + std::chrono::seconds(seconds);
    ASSERT_GE(target, clock.Now());
    clock.Advance(target - clock.Now());
  }
  std::string Publish(const omnibroker::v1::Event& event) {
    const auto ack = publisher.Publish(event);
    EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
    return ack.conversation_id();
  }
  // `agent` becomes available, is offered `conversation`, accepts and answers it.
  void Takes(const std::string& agent, const std::string& conversation, bool set_available = true) {
    if (set_available) {
      ASSERT_TRUE(agents[agent]->SetPresence(PRESENCE_AVAILABLE).ok());
    }
    auto offer = testing::NextOffer(*agents[agent]);
    ASSERT_TRUE(offer.has_value());
    ASSERT_EQ(offer->conversation().id(), conversation);
    ASSERT_TRUE(agents[agent]->Accept(offer->offer_id()).ok());
    ASSERT_TRUE(agents[agent]->SendText(conversation, "Hi, how can I help?").ok());
  }
  omnibroker::v1::FloorStats Floor() {
    grpc::ClientContext context;
    omnibroker::v1::FloorStats stats;
    const auto s = (*admin)->GetFloorStats(&context, {}, &stats);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return stats;
  }

  FakeClock clock;
  const TimePoint start = clock.Now();
  testing::TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker{Config(dir.path(), ingest), clock};
  testing::IngestPublisher publisher{ingest};
  std::unique_ptr<testing::AdminClient> admin;
  std::map<std::string, std::unique_ptr<agent::AgentClient>> agents;  // logged in (busy) at 0
};

TEST_F(FloorFlowTest, AScriptedQuarterHourGivesTheHandWorkedNumbers) {
  ASSERT_EQ(std::chrono::floor<std::chrono::minutes>(start), start) << "the script starts on a minute";
  const std::string m1 = Publish(Chat("m1", "billing"));
  const std::string m2 = Publish(Chat("m2", "billing"));
  At(5);
  const std::string m3 = Publish(Chat("m3", "support"));
  At(10);
  Takes("a1", m1);  // waited 10 s: within billing's 20 s
  At(30);
  Takes("a2", m2);  // 30 s: not within
  At(40);
  Takes("a3", m3);  // 35 s: within support's 60 s
  Publish(Call("c1"));  // nobody takes calls: both wait until the caller hangs up
  At(42);
  Publish(Call("c1", "abandoned"));  // after 2 s: a short abandon
  At(45);
  Publish(Call("c2"));
  At(50);
  const std::string m4 = Publish(Chat("m4", "support"));
  At(75);
  Publish(Call("c2", "abandoned"));  // after 30 s
  At(130);
  ASSERT_TRUE(agents["a1"]->SetPresence(PRESENCE_AWAY).ok());  // a1 logged in 0-130
  ASSERT_TRUE(agents["a1"]->CloseConversation(m1).ok());
  At(160);  // a1's wrap-up ends by itself: m1 was handled 10-160
  ASSERT_TRUE(testing::WaitFor([&] { return FloorQueue(Floor(), "billing").handled() == 1; }));
  At(200);
  ASSERT_TRUE(agents["a2"]->CloseConversation(m2).ok());
  At(210);
  ASSERT_TRUE(agents["a2"]->EndWrapUp(m2).ok());  // m2 handled 30-210
  Takes("a2", m4, /*set_available=*/false);       // m4 waited 160 s
  At(220);
  Publish(Chat("m5", "billing"));  // nobody is free: it waits past its 10 min first response
  At(900);
  ASSERT_TRUE(testing::WaitFor([&] { return Floor().total().sla_breaches() == 1; }));

  const auto floor = Floor();
  EXPECT_EQ(floor.taken_at().seconds(), (start + 900s).time_since_epoch() / 1s);
  EXPECT_EQ(floor.window_minutes(), 60);
  ASSERT_EQ(floor.queues_size(), 3) << floor.DebugString();

  const auto& billing = FloorQueue(floor, "billing");
  EXPECT_EQ(billing.waiting(), 1);
  EXPECT_DOUBLE_EQ(billing.longest_wait_seconds(), 680);  // m5, since 220
  EXPECT_EQ(billing.offered(), 3);
  EXPECT_EQ(billing.answered(), 2);
  EXPECT_EQ(billing.answered_within_target(), 1);
  EXPECT_DOUBLE_EQ(billing.service_level_percent(), 50);
  EXPECT_DOUBLE_EQ(billing.average_speed_of_answer_seconds(), 20);  // (10 + 30) / 2
  EXPECT_EQ(billing.handled(), 2);
  EXPECT_DOUBLE_EQ(billing.average_handle_time_seconds(), 165);  // (150 + 180) / 2, wrap-up in
  EXPECT_DOUBLE_EQ(billing.abandonment_percent(), 0);
  EXPECT_EQ(billing.sla_breaches(), 1);
  EXPECT_EQ(billing.breaches_by_kind().at("first_response"), 1);
  EXPECT_EQ(billing.escalations(), 1) << "sofia was told";

  const auto& support = FloorQueue(floor, "support");
  EXPECT_EQ(support.waiting(), 0);
  EXPECT_EQ(support.offered(), 2);
  EXPECT_EQ(support.answered(), 2);
  EXPECT_EQ(support.answered_within_target(), 1);
  EXPECT_DOUBLE_EQ(support.answer_target_seconds(), 60);
  EXPECT_DOUBLE_EQ(support.service_level_percent(), 50);
  EXPECT_DOUBLE_EQ(support.average_speed_of_answer_seconds(), 97.5);  // (35 + 160) / 2
  EXPECT_EQ(support.handled(), 0);
  EXPECT_FALSE(support.has_average_handle_time_seconds());

  const auto& calls = FloorQueue(floor, "default");
  EXPECT_EQ(calls.offered(), 2);
  EXPECT_EQ(calls.answered(), 0);
  EXPECT_EQ(calls.abandoned(), 1);
  EXPECT_EQ(calls.short_abandoned(), 1);
  EXPECT_DOUBLE_EQ(calls.service_level_percent(), 0);
  EXPECT_DOUBLE_EQ(calls.abandonment_percent(), 100);

  const auto& total = floor.total();
  EXPECT_EQ(total.waiting(), 1);
  EXPECT_DOUBLE_EQ(total.longest_wait_seconds(), 680);
  EXPECT_EQ(total.offered(), 7);
  EXPECT_EQ(total.answered(), 4);
  EXPECT_EQ(total.abandoned(), 1);
  EXPECT_DOUBLE_EQ(total.service_level_percent(), 40);  // 2 / (4 + 1)
  EXPECT_DOUBLE_EQ(total.average_speed_of_answer_seconds(), 58.75);  // (10 + 30 + 35 + 160) / 4
  EXPECT_DOUBLE_EQ(total.average_handle_time_seconds(), 165);
  EXPECT_DOUBLE_EQ(total.abandonment_percent(), 20);
  EXPECT_EQ(total.escalations(), 1);

  ASSERT_EQ(floor.agents_size(), 4);
  const auto& a1 = FloorAgent(floor, "a1");
  EXPECT_EQ(a1.presence(), PRESENCE_AWAY);
  EXPECT_TRUE(a1.connected());
  EXPECT_EQ(a1.load(), 0);
  EXPECT_EQ(a1.capacity(), 1);
  EXPECT_DOUBLE_EQ(a1.logged_in_seconds(), 130);
  EXPECT_DOUBLE_EQ(a1.handling_seconds(), 120) << "10-130: the wrap-up after going away is not counted";
  EXPECT_DOUBLE_EQ(a1.occupancy_percent(), 100.0 * 120 / 130);
  EXPECT_EQ(a1.handled(), 1);
  const auto& a2 = FloorAgent(floor, "a2");
  EXPECT_EQ(a2.load(), 1);
  EXPECT_DOUBLE_EQ(a2.logged_in_seconds(), 900);
  EXPECT_DOUBLE_EQ(a2.handling_seconds(), 870);  // m2 30-210, then m4
  EXPECT_EQ(a2.handled(), 1);
  EXPECT_DOUBLE_EQ(FloorAgent(floor, "a3").handling_seconds(), 860);
  EXPECT_EQ(FloorAgent(floor, "a3").handled(), 0);
  EXPECT_DOUBLE_EQ(FloorAgent(floor, "sofia").occupancy_percent(), 0);
}

}  // namespace
}  // namespace omni
