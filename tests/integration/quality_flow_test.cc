// Quality scorecards through a real broker (mTLS, agent tokens, RocksDB): a conversation an agent
// closes is picked for review; a quality reviewer reads it and scores it low; the agent, available
// and with room, is offered nothing new (the work waits for, then goes to, a second agent; explain
// says why) until a supervisor re-certifies them; only role quality scores and only supervisors
// re-certify; the review queue and the agent's standing outlive a restart on the same store.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "omni/agent/security.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"
#include "tests/support/scorecards.h"
#include "tests/support/secured_broker.h"

namespace omni {
namespace {

using auth::Role;
using omnibroker::v1::PRESENCE_AVAILABLE;
using omnibroker::v1::PRESENCE_BUSY;
using testing::SecuredBroker;
using testing::WaitFor;
using namespace std::chrono_literals;

class QualityFlowTest : public ::testing::Test {
 protected:
  QualityFlowTest() : secured_(testing::ReviewEveryConversation) {}

  // A web chat visitor's new conversation; its id.
  std::string NewConversation(const std::string& name, const std::string& text) {
    testing::Visitor visitor(testing::WebChatPort(secured_.broker()));
    visitor.Register(name);
    auto [status, body] = visitor.Say(text);
    EXPECT_EQ(status, 202) << body.dump();
    return body.value("conversation_id", "");
  }

  std::unique_ptr<agent::AgentClient> Available(const std::string& agent_id) {
    auto client = secured_.Agent(agent_id, SecuredBroker::Token(agent_id));
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_TRUE((*client)->SetPresence(PRESENCE_AVAILABLE).ok());
    return std::move(client).value();
  }

  // The agent takes the offer of `conversation_id`, answers and closes it.
  void Serve(agent::AgentClient& agent, const std::string& conversation_id) {
    auto offer = testing::NextOffer(agent);
    ASSERT_TRUE(offer.has_value()) << "no offer of " << conversation_id;
    ASSERT_EQ(offer->conversation().id(), conversation_id);
    ASSERT_TRUE(agent.Accept(offer->offer_id()).ok());
    ASSERT_TRUE(agent.SendText(conversation_id, "Let me look at your order.").ok());
    ASSERT_TRUE(agent.CloseConversation(conversation_id, "resolved").ok());
  }

  grpc::Status ListReviews(const std::string& token, omnibroker::v1::ReviewState state,
                           omnibroker::v1::ListReviewsResponse* out) {
    grpc::ClientContext context;
    omnibroker::v1::ListReviewsRequest request;
    request.set_state(state);
    return secured_.Admin(token)->ListReviews(&context, request, out);
  }

  // alice's conversation, scored by `token`'s holder: greeting no, solution partly, tone no.
  grpc::Status ScoreLow(const std::string& token, const std::string& conversation_id,
                        omnibroker::v1::ScoreReviewResponse* out) {
    grpc::ClientContext context;
    omnibroker::v1::ScoreReviewRequest request;
    request.set_conversation_id(conversation_id);
    for (auto [criterion, answer] : {std::pair{"greeting", omnibroker::v1::ANSWER_NO},
                                     {"solution", omnibroker::v1::ANSWER_PARTIAL},
                                     {"tone", omnibroker::v1::ANSWER_NO}}) {
      auto* a = request.add_answers();
      a->set_criterion(criterion);
      a->set_answer(answer);
    }
    request.set_comment("no greeting, refund not explained");
    request.set_requested_by("somebody-else");  // a claim the token does not back
    return secured_.Admin(token)->ScoreReview(&context, request, out);
  }

  grpc::Status Recertify(const std::string& token, const std::string& agent_id, omnibroker::v1::AgentQuality* out) {
    grpc::ClientContext context;
    omnibroker::v1::RecertifyAgentRequest request;
    request.set_agent_id(agent_id);
    request.set_note("coached on refunds");
    return secured_.Admin(token)->RecertifyAgent(&context, request, out);
  }

  omnibroker::v1::RoutingExplanation Explain(const std::string& conversation_id) {
    grpc::ClientContext context;
    omnibroker::v1::ExplainRoutingRequest request;
    request.set_conversation_id(conversation_id);
    omnibroker::v1::RoutingExplanation why;
    EXPECT_TRUE(secured_.Admin(sofia_)->ExplainRouting(&context, request, &why).ok());
    return why;
  }
  std::string VerdictFor(const omnibroker::v1::RoutingExplanation& why, const std::string& agent_id) {
    for (const auto& c : why.candidates()) {
      if (c.agent_id() == agent_id) return c.verdict();
    }
    return "(not a candidate)";
  }

  // The next quality update the agent's console receives.
  std::optional<omnibroker::v1::AgentQuality> NextQuality(agent::AgentClient& agent) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < end) {
      auto u = agent.Next(100ms);
      if (u && u->has_quality()) return u->quality();
    }
    return std::nullopt;
  }
  // Whether an offer is among the updates the agent has received so far.
  static bool OfferedSoFar(agent::AgentClient& agent) {
    while (auto u = agent.Next(0ms)) {
      if (u->has_offer()) return true;
    }
    return false;
  }

  SecuredBroker secured_;
  const std::string quinn_ = SecuredBroker::Token("quinn", Role::kQuality);
  const std::string sofia_ = SecuredBroker::Token("sofia", Role::kSupervisor);
};

TEST_F(QualityFlowTest, AnAgentScoredBelow45IsOfferedNothingUntilASupervisorReCertifiesThem) {
  auto alice = Available("alice");
  ASSERT_NE(alice, nullptr);
  const std::string ann = NewConversation("Ann", "Hello, my order is late");
  ASSERT_NO_FATAL_FAILURE(Serve(*alice, ann));

  // Closed, it waits in the review queue: for a reviewer and for supervisors, not for agents.
  omnibroker::v1::ListReviewsResponse pending;
  ASSERT_TRUE(WaitFor([&] { return ListReviews(quinn_, omnibroker::v1::REVIEW_PENDING, &pending).ok() &&
                                   pending.reviews_size() == 1; }));
  const auto& review = pending.reviews(0);
  EXPECT_EQ(review.conversation_id(), ann);
  EXPECT_EQ(review.agent_id(), "alice");
  EXPECT_EQ(review.scorecard(), "support");
  EXPECT_EQ(review.queue(), "default");
  EXPECT_EQ(review.reasons(0), "share");
  EXPECT_EQ(review.disposition(), "resolved");
  ASSERT_TRUE(ListReviews(sofia_, omnibroker::v1::REVIEW_PENDING, &pending).ok());
  EXPECT_EQ(pending.reviews_size(), 1);
  const grpc::Status agent_lists = ListReviews(SecuredBroker::Token("boris"), omnibroker::v1::REVIEW_PENDING, &pending);
  EXPECT_EQ(agent_lists.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(agent_lists.error_message(), "Admin.ListReviews needs role quality"))
      << agent_lists.error_message();

  // The reviewer reads the conversation through the review, and through the console's history
  // call, the conversation under review only.
  {
    grpc::ClientContext context;
    omnibroker::v1::GetReviewRequest request;
    request.set_conversation_id(ann);
    omnibroker::v1::ReviewDetail detail;
    const grpc::Status read = secured_.Admin(quinn_)->GetReview(&context, request, &detail);
    ASSERT_TRUE(read.ok()) << read.error_message();
    EXPECT_EQ(detail.scorecard().criteria_size(), 3);
    ASSERT_GE(detail.history().events_size(), 2);
    EXPECT_EQ(detail.history().events(0).content().text(), "Hello, my order is late");
    EXPECT_EQ(detail.history().events(1).content().text(), "Let me look at your order.");
  }
  auto console = omnibroker::v1::AgentConsole::NewStub(
      agent::AuthorizedChannel(secured_.broker().grpc_address(), secured_.Credentials(), quinn_));
  {
    grpc::ClientContext context;
    omnibroker::v1::GetHistoryRequest request;
    request.set_conversation_id(ann);
    omnibroker::v1::GetHistoryResponse page;
    const grpc::Status read = console->GetHistory(&context, request, &page);
    ASSERT_TRUE(read.ok()) << read.error_message();
    EXPECT_GE(page.events_size(), 2);
  }
  const std::string other = NewConversation("Gus", "Is anyone there?");  // offered to alice
  {
    grpc::ClientContext context;
    omnibroker::v1::GetHistoryRequest request;
    request.set_conversation_id(other);
    omnibroker::v1::GetHistoryResponse page;
    EXPECT_EQ(console->GetHistory(&context, request, &page).error_code(), grpc::StatusCode::PERMISSION_DENIED)
        << "not under review: not the reviewer's to read";
  }

  // Only role quality scores: not a supervisor, not an admin, not the agent.
  for (const auto& [who, role] : {std::pair{"sofia", Role::kSupervisor}, {"ops", Role::kAdmin}, {"alice", Role::kAgent}}) {
    omnibroker::v1::ScoreReviewResponse refused;
    const grpc::Status s = ScoreLow(SecuredBroker::Token(who, role), ann, &refused);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "Admin.ScoreReview is for role quality alone")) << s.error_message();
  }
  ASSERT_NO_FATAL_FAILURE(Serve(*alice, other));  // her console's updates read up to here

  omnibroker::v1::ScoreReviewResponse scored;
  const grpc::Status score = ScoreLow(quinn_, ann, &scored);
  ASSERT_TRUE(score.ok()) << score.error_message();
  EXPECT_DOUBLE_EQ(scored.review().total(), 28.6) << "20 of 70";
  EXPECT_EQ(scored.review().reviewer(), "quinn") << "the token's reviewer, not the request's word";
  EXPECT_TRUE(scored.review().counted());
  EXPECT_EQ(scored.agent().standing(), omnibroker::v1::QUALITY_OFF_ROUTING);
  EXPECT_EQ(scored.agent().why(), "average 28.6 of the last 1 review is below 45");
  omnibroker::v1::ScoreReviewResponse again;
  EXPECT_EQ(ScoreLow(quinn_, ann, &again).error_code(), grpc::StatusCode::FAILED_PRECONDITION) << "a score is final";

  // Alice's console hears of it; she stays available, with room, and is offered nothing.
  auto told = NextQuality(*alice);
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->standing(), omnibroker::v1::QUALITY_OFF_ROUTING);
  auto boris = secured_.Agent("boris", SecuredBroker::Token("boris"));
  ASSERT_TRUE(boris.ok()) << boris.status();
  const std::string bob = NewConversation("Bob", "Where is my refund?");
  omnibroker::v1::RoutingExplanation why;
  ASSERT_TRUE(WaitFor([&] {
    why = Explain(bob);
    return why.state() == "waiting" && !why.candidates().empty();
  }));
  EXPECT_EQ(VerdictFor(why, "alice"),
            "off routing for quality until a supervisor re-certifies them: average 28.6 of the last 1 review is below 45");
  EXPECT_EQ(VerdictFor(why, "boris"), "PRESENCE_BUSY");
  // The supervisor's floor says so too.
  {
    grpc::ClientContext context;
    omnibroker::v1::FloorStats floor;
    ASSERT_TRUE(secured_.Admin(sofia_)->GetFloorStats(&context, {}, &floor).ok());
    bool seen = false;
    for (const auto& a : floor.agents()) {
      if (a.agent_id() != "alice") continue;
      seen = true;
      EXPECT_EQ(a.presence(), PRESENCE_AVAILABLE);
      EXPECT_EQ(a.quality(), omnibroker::v1::QUALITY_OFF_ROUTING);
      EXPECT_EQ(a.quality_why(), "average 28.6 of the last 1 review is below 45");
    }
    EXPECT_TRUE(seen);
  }
  // A second agent gets the work.
  ASSERT_TRUE((*boris)->SetPresence(PRESENCE_AVAILABLE).ok());
  auto to_boris = testing::NextOffer(**boris);
  ASSERT_TRUE(to_boris.has_value());
  EXPECT_EQ(to_boris->conversation().id(), bob);
  EXPECT_FALSE(OfferedSoFar(*alice));

  // Only supervisors re-certify: not the reviewer, not an agent.
  omnibroker::v1::AgentQuality record;
  for (const auto& [who, role] : {std::pair{"quinn", Role::kQuality}, {"boris", Role::kAgent}}) {
    const grpc::Status s = Recertify(SecuredBroker::Token(who, role), "alice", &record);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << who;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "Admin.RecertifyAgent needs role supervisor")) << s.error_message();
  }
  EXPECT_EQ(Recertify(sofia_, "boris", &record).error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << "boris is not off routing";
  const grpc::Status recertified = Recertify(sofia_, "alice", &record);
  ASSERT_TRUE(recertified.ok()) << recertified.error_message();
  EXPECT_EQ(record.standing(), omnibroker::v1::QUALITY_GOOD);
  EXPECT_EQ(record.recertified_by(), "sofia");
  told = NextQuality(*alice);
  ASSERT_TRUE(told.has_value());
  EXPECT_EQ(told->standing(), omnibroker::v1::QUALITY_GOOD);

  // Offered work again.
  ASSERT_TRUE((*boris)->SetPresence(PRESENCE_BUSY).ok());
  const std::string cara = NewConversation("Cara", "Can I change my address?");
  auto to_alice = testing::NextOffer(*alice);
  ASSERT_TRUE(to_alice.has_value());
  EXPECT_EQ(to_alice->conversation().id(), cara);

  // The re-certification is in the audit trail, by whom the token says.
  grpc::ClientContext context;
  omnibroker::v1::ListAuditResponse audit;
  ASSERT_TRUE(secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin))->ListAudit(&context, {}, &audit).ok());
  ASSERT_FALSE(audit.records().empty());
  EXPECT_EQ(audit.records(0).action(), "recertify_agent");
  EXPECT_EQ(audit.records(0).requested_by(), "sofia");
  EXPECT_EQ(audit.records(0).reason(), "coached on refunds");
}

TEST_F(QualityFlowTest, TheReviewQueueAndAnAgentOffRoutingOutliveARestart) {
  {
    auto alice = Available("alice");
    ASSERT_NE(alice, nullptr);
    const std::string ann = NewConversation("Ann", "Hello, my order is late");
    ASSERT_NO_FATAL_FAILURE(Serve(*alice, ann));
    const std::string dan = NewConversation("Dan", "My parcel is damaged");
    ASSERT_NO_FATAL_FAILURE(Serve(*alice, dan));
    omnibroker::v1::ListReviewsResponse pending;
    ASSERT_TRUE(WaitFor([&] { return ListReviews(quinn_, omnibroker::v1::REVIEW_PENDING, &pending).ok() &&
                                     pending.reviews_size() == 2; }));
    omnibroker::v1::ScoreReviewResponse scored;
    const grpc::Status score = ScoreLow(quinn_, ann, &scored);
    ASSERT_TRUE(score.ok()) << score.error_message();
    ASSERT_EQ(scored.agent().standing(), omnibroker::v1::QUALITY_OFF_ROUTING);
  }

  secured_.Restart();

  omnibroker::v1::ListReviewsResponse pending, done;
  ASSERT_TRUE(ListReviews(quinn_, omnibroker::v1::REVIEW_PENDING, &pending).ok());
  ASSERT_EQ(pending.reviews_size(), 1) << "Dan's still waits";
  EXPECT_EQ(pending.reviews(0).agent_id(), "alice");
  ASSERT_TRUE(ListReviews(quinn_, omnibroker::v1::REVIEW_SCORED, &done).ok());
  ASSERT_EQ(done.reviews_size(), 1);
  EXPECT_DOUBLE_EQ(done.reviews(0).total(), 28.6);

  // Still off routing: her console says so from the login, and routing offers her nothing.
  auto alice = Available("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->login().quality().standing(), omnibroker::v1::QUALITY_OFF_ROUTING);
  EXPECT_EQ(alice->login().quality().why(), "average 28.6 of the last 1 review is below 45");
  const std::string eve = NewConversation("Eve", "I was charged twice");
  omnibroker::v1::RoutingExplanation why;
  ASSERT_TRUE(WaitFor([&] {
    why = Explain(eve);
    return why.state() == "waiting" && !why.candidates().empty();
  }));
  EXPECT_TRUE(absl::StartsWith(VerdictFor(why, "alice"), "off routing for quality")) << VerdictFor(why, "alice");
  EXPECT_FALSE(OfferedSoFar(*alice));

  omnibroker::v1::AgentQuality record;
  const grpc::Status recertified = Recertify(sofia_, "alice", &record);
  ASSERT_TRUE(recertified.ok()) << recertified.error_message();
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value()) << "back on routing, she takes the waiting conversation";
  EXPECT_EQ(offer->conversation().id(), eve);
}

}  // namespace
}  // namespace omni
