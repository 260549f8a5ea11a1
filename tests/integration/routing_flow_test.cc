// Routing through the real broker: a VIP customer goes to the senior pool, Admin explains why, a
// transfer carries its handoff note to the next agent, a queue's rule routes what is transferred
// to it, a bad roster entry or rule is refused naming the field, and a missed deadline escalates
// to the supervisor and shows in Admin, and Admin's policy change outlives a restart until the
// config file's policy is edited.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

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

class RoutingFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = testing::TestConfig(dir_.path());
    config_.routing.ramp_step = Duration::zero();
    Start();
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

  // A visitor's first message: its conversation id.
  std::string NewConversation(const std::string& name, const std::string& text) {
    Visitor visitor(testing::WebChatPort(*broker_));
    visitor.Register(name);
    auto [status, body] = visitor.Say(text);
    EXPECT_EQ(status, 202) << body.dump();
    return body.value("conversation_id", "");
  }

  omnibroker::v1::Conversation Get(const std::string& id) { return admin_->Conversation(id); }

  void MakeVip(const std::string& conversation_id) {
    grpc::ClientContext context;
    omnibroker::v1::UpdateCustomerRequest request;
    request.set_customer_id(Get(conversation_id).customer_id());
    request.set_tier(omnibroker::v1::TIER_VIP);
    omnibroker::v1::Customer customer;
    ASSERT_TRUE((*admin_)->UpdateCustomer(&context, request, &customer).ok());
    EXPECT_EQ(customer.tier(), omnibroker::v1::TIER_VIP);
  }

  omnibroker::v1::RoutingPolicy Policy() {
    grpc::ClientContext context;
    omnibroker::v1::RoutingPolicy policy;
    EXPECT_TRUE((*admin_)->GetRoutingPolicy(&context, {}, &policy).ok());
    return policy;
  }

  grpc::Status SetPolicy(const omnibroker::v1::SetRoutingPolicyRequest& request) {
    grpc::ClientContext context;
    omnibroker::v1::RoutingPolicy policy;
    return (*admin_)->SetRoutingPolicy(&context, request, &policy);
  }

  grpc::Status SetVipFirstResponse(std::chrono::seconds first_response) {
    omnibroker::v1::SetRoutingPolicyRequest request;
    auto* vip = request.mutable_policy()->add_tiers();
    vip->set_tier(omnibroker::v1::TIER_VIP);
    vip->mutable_first_response()->set_seconds(first_response.count());
    return SetPolicy(request);
  }

  int64_t VipFirstResponseSeconds() {
    const omnibroker::v1::RoutingPolicy policy = Policy();
    for (const auto& tier : policy.tiers()) {
      if (tier.tier() == omnibroker::v1::TIER_VIP) return tier.first_response().seconds();
    }
    return -1;
  }

  void Restart() {
    broker_->Stop();
    Start();
  }

  TempDir dir_;
  app::BrokerConfig config_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::AdminClient> admin_;
};

// A preferred language no agent could list would keep the customer's conversations waiting.
TEST_F(RoutingFlowTest, ACustomersPreferredLanguageMustBeATag) {
  const std::string id = NewConversation("Olga", "Where is my order?");
  grpc::ClientContext context;
  omnibroker::v1::UpdateCustomerRequest request;
  request.set_customer_id(Get(id).customer_id());
  request.set_preferred_language("Russian");
  omnibroker::v1::Customer customer;
  const grpc::Status refused = (*admin_)->UpdateCustomer(&context, request, &customer);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "preferred_language: \"Russian\" is not a language tag (en, pt-BR)");
  grpc::ClientContext again;
  request.set_preferred_language("ru");
  EXPECT_TRUE((*admin_)->UpdateCustomer(&again, request, &customer).ok());
  EXPECT_EQ(customer.preferred_language(), "ru");
}

TEST_F(RoutingFlowTest, VipGoesToTheSeniorPoolAndAdminExplainsWhy) {
  // Chen is free and speaks English, but only Alice serves VIP customers.
  auto chen = Available("chen");
  const std::string id = NewConversation("Vera", "Hello, my card payment failed and I need help");
  auto offer_to_chen = NextOffer(*chen, 5s);
  ASSERT_TRUE(offer_to_chen.has_value()) << "a standard customer goes to any agent";
  ASSERT_TRUE(chen->Decline(offer_to_chen->offer_id()).ok());
  MakeVip(id);
  auto alice = Available("alice");
  auto offer = NextOffer(*alice, 5s);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->conversation().id(), id);

  grpc::ClientContext context;
  omnibroker::v1::ExplainRoutingRequest request;
  request.set_conversation_id(id);
  omnibroker::v1::RoutingExplanation why;
  ASSERT_TRUE((*admin_)->ExplainRouting(&context, request, &why).ok());
  EXPECT_EQ(why.state(), "offered");
  EXPECT_EQ(why.agent_id(), "alice");
  EXPECT_NE(why.phase().find("tier pool"), std::string::npos) << why.phase();
  EXPECT_EQ(why.conversation_id(), id);
  std::map<std::string, std::string> verdicts;
  for (const auto& c : why.candidates()) verdicts[c.agent_id()] = c.verdict();
  EXPECT_EQ(verdicts["chen"], "not in the TIER_VIP pool");
  EXPECT_EQ(verdicts["boris"], "PRESENCE_OFFLINE");

  // Closed, it is still explained: by the rule its assignment kept.
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  ASSERT_TRUE(alice->CloseConversation(id, "resolved").ok());
  ASSERT_TRUE(WaitFor([&] { return Get(id).state() == omnibroker::v1::CONVERSATION_STATE_CLOSED; }, 5s));
  grpc::ClientContext closed_context;
  omnibroker::v1::RoutingExplanation closed;
  ASSERT_TRUE((*admin_)->ExplainRouting(&closed_context, request, &closed).ok());
  EXPECT_EQ(closed.state(), "closed");
  EXPECT_EQ(closed.agent_id(), "alice");
  EXPECT_EQ(closed.rule(), why.rule()) << "the rule of the decision, as it was explained while open";
  EXPECT_TRUE(closed.candidates().empty());
  EXPECT_EQ(Get(id).assignments(0).rule(), why.rule());

  grpc::ClientContext unknown_context;
  request.set_conversation_id("conv_nobody");
  EXPECT_EQ((*admin_)->ExplainRouting(&unknown_context, request, &closed).error_code(), grpc::StatusCode::NOT_FOUND);
}

// The console counts deadlines down from what the broker sends: the targets of the conversation's
// tier with the offer, and the policy in force at the accept with the assignment.
TEST_F(RoutingFlowTest, OffersAndAssignmentsCarryTheDeadlinesOfTheConversationsTier) {
  const std::string id = NewConversation("Vera", "Hello, my card payment failed and I need help");
  MakeVip(id);
  auto alice = Available("alice");
  auto offer = NextOffer(*alice, 5s);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->targets().first_response().seconds(), 120) << "VIP: 2 minutes";
  EXPECT_EQ(offer->targets().next_response().seconds(), 300);
  EXPECT_EQ(offer->targets().resolution().seconds(), 24 * 3600);

  ASSERT_TRUE(SetVipFirstResponse(90s).ok());
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  std::optional<omnibroker::v1::ConversationAssigned> assigned;
  ASSERT_TRUE(WaitFor([&] {
    auto u = alice->Next(100ms);
    if (u && u->has_assigned()) assigned = u->assigned();
    return assigned.has_value();
  }, 5s));
  EXPECT_EQ(assigned->conversation().id(), id);
  EXPECT_EQ(assigned->customer().tier(), omnibroker::v1::TIER_VIP);
  EXPECT_EQ(assigned->targets().first_response().seconds(), 90) << "the policy changed at run time";
  EXPECT_EQ(assigned->targets().next_response().seconds(), 300);
}

TEST_F(RoutingFlowTest, TransferCarriesTheHandoffNoteToTheNextAgent) {
  auto alice = Available("alice");
  const std::string id = NewConversation("Tom", "Hello, I want to change my tariff please");
  auto offer = NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  ASSERT_TRUE(alice->SendText(id, "Let me find the right colleague").ok());

  auto chen = Available("chen");
  EXPECT_EQ(chen->TransferToAgent(id, "alice", "not mine").code(), absl::StatusCode::kPermissionDenied)
      << "only the agent holding it transfers it";
  EXPECT_EQ(alice->TransferToAgent(id, "nobody", "").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(alice->TransferToAgent(id, "chen", "Wants the business tariff; already verified identity").ok());
  auto handed = NextOffer(*chen);
  ASSERT_TRUE(handed.has_value());
  EXPECT_EQ(handed->conversation().id(), id);
  EXPECT_EQ(handed->last_event().kind(), omnibroker::v1::EVENT_KIND_NOTE);
  ASSERT_TRUE(chen->Accept(handed->offer_id()).ok());
  auto history = chen->History(id);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->events_size(), 3);
  EXPECT_EQ(history->events(0).content().text(), "Hello, I want to change my tariff please");
  EXPECT_EQ(history->events(2).content().text(), "Wants the business tariff; already verified identity");
  EXPECT_EQ(history->events(2).direction(), omnibroker::v1::DIRECTION_INTERNAL);
  EXPECT_EQ(Get(id).assigned_agent_id(), "chen");
  EXPECT_EQ(Get(id).assignments(0).end_reason(), "transferred");
}

// A queue's rule (config file or Admin) routes what is transferred to the queue: Boris comes first
// in the roster, but only Chen meets the tech queue's technical>=8.
TEST_F(RoutingFlowTest, ATransferToAQueueIsRoutedByTheQueuesRule) {
  broker_->Stop();
  omnibroker::v1::RoutingStep experts;
  auto* skill = experts.add_skills();
  skill->set_skill("technical");
  skill->set_min_proficiency(8);
  config_.routing.queues["tech"] = {experts};
  Start();
  auto alice = Available("alice");
  const std::string id = NewConversation("Tom", "My router keeps dropping the connection");
  auto offer = NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  auto boris = Available("boris");
  auto chen = Available("chen");
  omnibroker::v1::Requirements tech;
  tech.set_queue("tech");
  auto* too_much = tech.add_skills();
  too_much->set_skill("technical");
  too_much->set_min_proficiency(11);
  const auto bad_transfer = alice->TransferToQueue(id, tech, "");
  EXPECT_EQ(bad_transfer.code(), absl::StatusCode::kInvalidArgument) << bad_transfer;
  EXPECT_NE(bad_transfer.message().find("transfer.to_queue.skills[0] technical: min_proficiency must be 1–10, got 11"),
            std::string_view::npos)
      << bad_transfer;
  tech.clear_skills();
  tech.set_language("Technical English");
  const auto bad_language = alice->TransferToQueue(id, tech, "");
  EXPECT_EQ(bad_language.code(), absl::StatusCode::kInvalidArgument) << bad_language;
  EXPECT_NE(bad_language.message().find("transfer.to_queue.language: \"Technical English\" is not a language tag"),
            std::string_view::npos)
      << bad_language;
  tech.clear_language();
  ASSERT_TRUE(alice->TransferToQueue(id, tech, "Router drops every few minutes").ok());
  auto handed = NextOffer(*chen);
  ASSERT_TRUE(handed.has_value());
  EXPECT_EQ(handed->conversation().id(), id);
  EXPECT_FALSE(NextOffer(*boris, 300ms).has_value()) << "nothing for Boris";

  // The rule is in the policy Admin shows, and a bad one is refused naming the field.
  const omnibroker::v1::RoutingPolicy shown = Policy();
  ASSERT_EQ(shown.queues_size(), 1);
  EXPECT_EQ(shown.queues(0).queue(), "tech");
  omnibroker::v1::SetRoutingPolicyRequest bad;
  auto* rule = bad.mutable_policy()->add_queues();
  rule->set_queue("tech");
  rule->add_steps()->set_language("klingon please");
  const auto refused = SetPolicy(bad);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("routing.queues.tech.steps[0].language"), std::string::npos)
      << refused.error_message();
}

TEST_F(RoutingFlowTest, AdminRefusesABadRosterEntryNamingTheField) {
  const auto upsert = [&](const omnibroker::v1::Agent& agent) {
    grpc::ClientContext context;
    omnibroker::v1::UpsertAgentRequest request;
    *request.mutable_agent() = agent;
    omnibroker::v1::Agent stored;
    return (*admin_)->UpsertAgent(&context, request, &stored);
  };
  omnibroker::v1::Agent dana;
  dana.set_id("dana");
  auto* skill = dana.add_skills();
  skill->set_name("billing");
  skill->set_proficiency(11);
  auto refused = upsert(dana);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "agent.skills[0] billing: proficiency must be 1–10, got 11");
  skill->set_proficiency(7);
  auto* voice = dana.add_capacity();
  voice->set_channel(omnibroker::v1::CHANNEL_VOICE);
  voice->set_max_concurrent(1);
  refused = upsert(dana);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(refused.error_message().find("agent.voice_contact: required"), std::string::npos) << refused.error_message();
  dana.set_voice_contact("sip:dana@127.0.0.1");
  EXPECT_TRUE(upsert(dana).ok());
}

TEST_F(RoutingFlowTest, MissedDeadlineEscalatesToTheSupervisorAndShowsInAdmin) {
  {
    omnibroker::v1::SetRoutingPolicyRequest request;
    auto* standard = request.mutable_policy()->add_tiers();
    standard->set_tier(omnibroker::v1::TIER_STANDARD);
    standard->mutable_first_response()->set_nanos(300'000'000);
    ASSERT_TRUE(SetPolicy(request).ok());
  }
  {
    omnibroker::v1::SetRoutingPolicyRequest request;
    request.mutable_policy()->mutable_offer_timeout()->set_seconds(-1);
    auto status = SetPolicy(request);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(status.error_message().find("offer_timeout"), std::string::npos) << status.error_message();
  }
  auto sofia = AgentClient::Connect(broker_->grpc_address(), "sofia");
  ASSERT_TRUE(sofia.ok());
  const std::string id = NewConversation("Ivan", "Nobody answers me");
  std::optional<omnibroker::v1::Escalation> escalation;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!escalation && std::chrono::steady_clock::now() < end) {
    if (auto u = (*sofia)->Next(100ms); u && u->has_escalation()) escalation = u->escalation();
  }
  ASSERT_TRUE(escalation.has_value());
  EXPECT_EQ(escalation->conversation_id(), id);
  EXPECT_EQ(escalation->breach().kind(), "first_response");
  ASSERT_TRUE(WaitFor([&] { return Get(id).breaches_size() == 1; }, 5s));
  EXPECT_EQ(Get(id).breaches(0).kind(), "first_response");
}

TEST_F(RoutingFlowTest, EscalationsGoToTheRoleConfiguredForTheTenant) {
  broker_->Stop();
  config_.escalation_roles["default"] = "floor-lead";
  config_.routing.tiers[omnibroker::v1::TIER_STANDARD].first_response = std::chrono::milliseconds(300);
  omnibroker::v1::Agent lead;
  lead.set_id("lena");
  lead.add_roles("floor-lead");
  config_.agents.push_back(lead);
  Start();
  auto sofia = AgentClient::Connect(broker_->grpc_address(), "sofia");  // a supervisor elsewhere
  auto lena = AgentClient::Connect(broker_->grpc_address(), "lena");
  ASSERT_TRUE(sofia.ok() && lena.ok());
  const std::string id = NewConversation("Olga", "Is anybody there?");
  std::optional<omnibroker::v1::Escalation> escalation;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (!escalation && std::chrono::steady_clock::now() < end) {
    if (auto u = (*lena)->Next(100ms); u && u->has_escalation()) escalation = u->escalation();
  }
  ASSERT_TRUE(escalation.has_value()) << "the tenant's floor lead is told";
  EXPECT_EQ(escalation->conversation_id(), id);
  for (auto u = (*sofia)->Next(200ms); u; u = (*sofia)->Next(200ms)) {
    EXPECT_FALSE(u->has_escalation()) << "the supervisor role is not this tenant's escalation role";
  }
}

// A supervisor's change must not vanish when a container is rescheduled; an ops edit of the
// config file's policy after it is the newer word and wins, for good.
TEST_F(RoutingFlowTest, AnAdminPolicyChangeOutlivesARestartUntilTheConfigFilesPolicyIsEdited) {
  config_.routing.queues["billing"] = {omnibroker::v1::RoutingStep{}};
  Restart();
  const std::string waiting = NewConversation("Vera", "Hello, my card payment failed and I need help");
  MakeVip(waiting);
  ASSERT_TRUE(SetVipFirstResponse(90s).ok());
  omnibroker::v1::SetRoutingPolicyRequest no_billing_rule;
  no_billing_rule.mutable_policy()->add_queues()->set_queue("billing");
  ASSERT_TRUE(SetPolicy(no_billing_rule).ok());

  Restart();
  EXPECT_EQ(VipFirstResponseSeconds(), 90) << "kept across the restart";
  EXPECT_EQ(Policy().queues_size(), 0) << "the file's queue rule Admin removed stays removed";
  auto alice = Available("alice");
  auto offer = NextOffer(*alice, 5s);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->conversation().id(), waiting);
  EXPECT_EQ(offer->targets().first_response().seconds(), 90) << "what waited is timed by the kept change";
  alice.reset();

  broker_->Stop();
  const Duration offer_timeout = config_.routing.offer_timeout;
  config_.routing.offer_timeout = 40s;  // ops edit the file
  Start();
  EXPECT_EQ(VipFirstResponseSeconds(), 120) << "the file was edited since the change: its policy";
  EXPECT_EQ(Policy().offer_timeout().seconds(), 40);
  EXPECT_EQ(Policy().queues_size(), 1);

  broker_->Stop();
  config_.routing.offer_timeout = offer_timeout;  // and edit it back
  Start();
  EXPECT_EQ(VipFirstResponseSeconds(), 120) << "the dropped change does not come back";
}

TEST_F(RoutingFlowTest, BackToTheConfigFileDropsTheRunTimeChanges) {
  ASSERT_TRUE(SetVipFirstResponse(90s).ok());
  omnibroker::v1::SetRoutingPolicyRequest both;
  both.set_back_to_config_file(true);
  both.mutable_policy()->mutable_offer_timeout()->set_seconds(45);
  const grpc::Status refused = SetPolicy(both);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error_message(), "policy: give no changes with back_to_config_file");
  EXPECT_EQ(VipFirstResponseSeconds(), 90) << "a refused request changes nothing";

  omnibroker::v1::SetRoutingPolicyRequest reset;
  reset.set_back_to_config_file(true);
  ASSERT_TRUE(SetPolicy(reset).ok());
  EXPECT_EQ(VipFirstResponseSeconds(), 120);
  Restart();
  EXPECT_EQ(VipFirstResponseSeconds(), 120) << "and a restart does not bring the change back";
}

TEST_F(RoutingFlowTest, AfterARestartOffersComeBackAndAbsentAgentsLoseTheirWorkAfterTheGrace) {
  std::string held, offered;
  {
    auto alice = Available("alice");
    held = NewConversation("Ann", "Hello, where is my parcel?");
    auto offer = NextOffer(*alice);
    ASSERT_TRUE(offer.has_value());
    ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
    ASSERT_TRUE(alice->SendText(held, "Looking into it").ok());
    auto chen = Available("chen");
    offered = NewConversation("Bob", "Hello, I need an invoice copy");
    ASSERT_TRUE(NextOffer(*chen).has_value()) << "offered to Chen when the broker stops";
  }
  broker_->Stop();
  config_.routing.presence_grace = 300ms;
  Start();

  // Boris is the only one back: the offered conversation waits no longer than his login, and
  // Alice's conversation comes to him once her grace period is over.
  auto boris = Available("boris");
  std::set<std::string> offers;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (offers.size() < 2 && std::chrono::steady_clock::now() < end) {
    if (auto offer = NextOffer(*boris, 1s)) {
      offers.insert(offer->conversation().id());
      ASSERT_TRUE(boris->Accept(offer->offer_id()).ok());
    }
  }
  EXPECT_TRUE(offers.contains(offered));
  EXPECT_TRUE(offers.contains(held));
  const auto conversation = Get(held);
  EXPECT_EQ(conversation.assigned_agent_id(), "boris");
  ASSERT_EQ(conversation.assignments_size(), 2);
  EXPECT_EQ(conversation.assignments(0).end_reason(), "agent_offline");
}

}  // namespace
}  // namespace omni
