// Business hours through the real broker: a web chat visitor who writes while the queue is closed
// is answered through the connector with the queue's after-hours message, which the history
// keeps; the conversation keeps waiting for an agent, Admin explains the calendar, and a restart
// in the same closed spell does not answer again. A queue whose rule is to overflow moves its
// conversation to an open queue, with a note in the history. A deadline missed in business time
// names its calendar.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using omni::agent::AgentClient;
using omni::testing::NextOffer;
using omni::testing::TempDir;
using omni::testing::Visitor;
using omni::testing::WaitFor;
using namespace std::chrono_literals;

constexpr char kClosedMessage[] = "We are closed today and tomorrow; an agent answers after that.";

class BusinessHoursFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::TestConfig(dir_.path());
    config_.routing.ramp_step = Duration::zero();
    // Open around the clock but today and tomorrow (UTC): closed now, whatever the hour.
    routing::CalendarSpec spec{.name = "closed", .time_zone = "UTC"};
    for (auto& day : spec.weekly) day = {routing::TimeRange{0, 24 * 60}};
    today_ = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    spec.holidays = {today_, today_ + 1};
    auto calendar = routing::Calendar::Create(spec, "closed");
    ASSERT_TRUE(calendar.ok()) << calendar.status();
    config_.routing.calendars.emplace("closed", *calendar);
    config_.routing.tiers[omnibroker::v1::TIER_STANDARD].business_time = true;
  }

  void Start() {
    broker_ = std::make_unique<app::BrokerApp>(config_);
    ASSERT_OK(broker_->Start());
    admin_ = std::make_unique<testing::AdminClient>(broker_->grpc_address());
  }

  std::unique_ptr<AgentClient> Available(const std::string& agent_id) {
    auto client = AgentClient::Connect(broker_->grpc_address(), agent_id);
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_TRUE((*client)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
    return std::move(client).value();
  }

  // The events of the conversation's customer that `match`.
  std::vector<omnibroker::v1::Event> History(const std::string& conversation_id,
                                             const std::function<bool(const omnibroker::v1::Event&)>& match) {
    std::vector<omnibroker::v1::Event> out;
    const auto history = admin_->CustomerHistory(admin_->Conversation(conversation_id).customer_id());
    for (const auto& e : history.events()) {
      if (match(e)) out.push_back(e);
    }
    return out;
  }
  static bool AfterHoursReply(const omnibroker::v1::Event& e) {
    return e.direction() == omnibroker::v1::DIRECTION_OUTBOUND && e.provider_metadata().contains("after_hours_calendar");
  }

  omnibroker::v1::RoutingExplanation Explain(const std::string& id) {
    grpc::ClientContext context;
    omnibroker::v1::ExplainRoutingRequest request;
    request.set_conversation_id(id);
    omnibroker::v1::RoutingExplanation why;
    EXPECT_TRUE((*admin_)->ExplainRouting(&context, request, &why).ok());
    return why;
  }

  TempDir dir_;
  absl::CivilDay today_;
  app::BrokerConfig config_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::AdminClient> admin_;
};

TEST_F(BusinessHoursFlowTest, AClosedQueueAnswersThroughTheChannelOnceAndTheConversationWaits) {
  // Web chat conversations name no queue: they are in the queue "default".
  config_.routing.queue_hours["default"] = routing::QueueHours{
      .calendar = "closed",
      .after_hours = {routing::AfterHoursRule{.action = routing::AfterHoursAction::kAutoReply,
                                              .messages = {{"en", kClosedMessage}, {"fr", "Fermé."}}}}};
  Start();
  Visitor ann(testing::WebChatPort(*broker_));
  ann.Register("Ann");
  auto [status, body] = ann.Say("Hello, is anyone there?");
  ASSERT_EQ(status, 202) << body.dump();
  const std::string id = body.value("conversation_id", "");

  // The visitor reads the answer in the web chat, as they would an agent's.
  const auto got = ann.Poll(0, 10);
  ASSERT_EQ(got["messages"].size(), 1u) << got.dump();
  EXPECT_EQ(got["messages"][0]["text"], kClosedMessage);
  EXPECT_EQ(got["messages"][0]["agent_id"], "") << "from nobody";

  // Stored: in the history, and the time on the conversation, which still waits.
  ASSERT_TRUE(WaitFor([&] { return History(id, AfterHoursReply).size() == 1; }));
  const auto reply = History(id, AfterHoursReply)[0];
  EXPECT_EQ(reply.content().text(), kClosedMessage);
  EXPECT_EQ(reply.provider_metadata().at("after_hours_calendar"), "closed");
  const omnibroker::v1::Conversation waiting = admin_->Conversation(id);
  EXPECT_EQ(waiting.state(), omnibroker::v1::CONVERSATION_STATE_QUEUED);
  EXPECT_TRUE(waiting.has_after_hours_reply_at());
  EXPECT_FALSE(waiting.has_first_response_at()) << "an auto reply is no agent's first response";

  const auto why = Explain(id);
  EXPECT_EQ(why.calendar(), "closed (UTC)");
  EXPECT_TRUE(why.business_time());
  EXPECT_EQ(why.hours(), absl::StrCat("closed (UTC): closed until ", absl::FormatCivilTime(today_ + 2),
                                      " 00:00 UTC; after hours: auto reply, keep waiting"));

  // A restart in the same closed spell: the conversation is routed again, not answered again.
  broker_->Stop();
  Start();
  auto alice = Available("alice");
  auto offer = NextOffer(*alice);
  ASSERT_TRUE(offer.has_value()) << "it kept waiting for an agent, who may take it after hours";
  EXPECT_EQ(offer->conversation().id(), id);
  EXPECT_FALSE(WaitFor([&] { return History(id, AfterHoursReply).size() > 1; }, 500ms))
      << "answered once per closed spell";
}

TEST_F(BusinessHoursFlowTest, AClosedQueueOverflowsToAnOpenOneWithANoteInTheHistory) {
  config_.routing.queue_hours["default"] = routing::QueueHours{
      .calendar = "closed",
      .after_hours = {routing::AfterHoursRule{.action = routing::AfterHoursAction::kOverflow,
                                              .overflow_queue = "night"}}};
  Start();
  Visitor tom(testing::WebChatPort(*broker_));
  tom.Register("Tom");
  auto [status, body] = tom.Say("My invoice is wrong");
  ASSERT_EQ(status, 202) << body.dump();
  const std::string id = body.value("conversation_id", "");

  ASSERT_TRUE(WaitFor([&] { return admin_->Conversation(id).requirements().queue() == "night"; }))
      << admin_->Conversation(id).DebugString();
  const auto notes = History(id, [](const omnibroker::v1::Event& e) {
    return e.direction() == omnibroker::v1::DIRECTION_INTERNAL && e.provider_metadata().contains("overflow_to");
  });
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].provider_metadata().at("overflow_from"), "default");
  EXPECT_EQ(notes[0].provider_metadata().at("overflow_to"), "night");
  EXPECT_EQ(notes[0].content().text(), "after hours: moved from queue default (closed, calendar closed) to queue night");
  EXPECT_TRUE(Explain(id).hours().empty()) << "night has no hours: open 24/7";

  auto alice = Available("alice");
  auto offer = NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->conversation().id(), id);
  EXPECT_EQ(offer->conversation().requirements().queue(), "night");
}

TEST_F(BusinessHoursFlowTest, ADeadlineMissedInBusinessTimeNamesItsCalendar) {
  routing::CalendarSpec spec{.name = "around-the-clock", .time_zone = "Europe/Berlin"};
  for (auto& day : spec.weekly) day = {routing::TimeRange{0, 24 * 60}};
  config_.routing.calendars.emplace("around-the-clock", *routing::Calendar::Create(spec, "around-the-clock"));
  config_.routing.queue_hours["default"] = routing::QueueHours{.calendar = "around-the-clock"};
  config_.routing.tiers[omnibroker::v1::TIER_STANDARD].first_response = 300ms;
  Start();
  Visitor eve(testing::WebChatPort(*broker_));
  eve.Register("Eve");
  auto [status, body] = eve.Say("Hello?");
  ASSERT_EQ(status, 202) << body.dump();
  const std::string id = body.value("conversation_id", "");
  ASSERT_TRUE(WaitFor([&] { return admin_->Conversation(id).breaches_size() > 0; }));
  const auto breach = admin_->Conversation(id).breaches(0);
  EXPECT_EQ(breach.kind(), "first_response");
  EXPECT_EQ(breach.calendar(), "around-the-clock");
}

}  // namespace
}  // namespace omni
