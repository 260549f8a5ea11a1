// Two tenants on one real broker (mTLS, tokens), built to collide: the same agent ids, the same
// customer phone number, the same provider thread key and event id. Each tenant's routing offers
// only its own conversations to its own agents, and no Admin or AgentConsole call of one tenant
// reads or changes anything of the other's. The Admin table covers every call of the service: a
// call added to admin.proto without a row here fails the test.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/secured_broker.h"

namespace omni {
namespace {

using auth::Role;
using omnibroker::v1::PRESENCE_AVAILABLE;
using testing::SecuredBroker;
using namespace std::chrono_literals;

constexpr char kAcme[] = "acme";      // the broker's default tenant (its web chat publishes here)
constexpr char kGlobex[] = "globex";  // a second tenant with the same roster

std::string Token(const std::string& agent_id, const std::string& tenant, Role role = Role::kAgent) {
  return auth::MintAgentToken(
      auth::NewAgentClaims(agent_id, tenant, role, SystemClock::Get().Now(), std::chrono::hours(1)),
      testing::kTestTokenSecret);
}

// What one tenant has after the setup: a conversation (taken by its alice), its customer.
struct World {
  std::string conversation_id;
  std::string customer_id;
};

class TenantIsolationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secured_ = std::make_unique<SecuredBroker>([this](app::BrokerConfig& config) {
      config.tenant = kAcme;
      config.ingest_listen = ingest_;
      config.tenants.push_back(
          app::TenantConfig{.name = kGlobex, .routing = config.routing, .agents = config.agents});
    });
    publisher_ = std::make_unique<testing::IngestPublisher>(ingest_);
    for (const std::string tenant : {kAcme, kGlobex}) {
      auto alice = secured_->Agent("alice", Token("alice", tenant));
      ASSERT_TRUE(alice.ok()) << alice.status();
      ASSERT_TRUE((*alice)->SetPresence(PRESENCE_AVAILABLE).ok());
      alices_[tenant] = *std::move(alice);
    }
    // The same event id, sender and thread in both tenants: two events, two conversations.
    for (const std::string tenant : {kAcme, kGlobex}) {
      omnibroker::v1::Event event =
          testing::MessageFrom("wamid-1", "whatsapp", "+15550100", "Hello from " + tenant);
      event.set_tenant(tenant);
      event.mutable_sender()->set_phone("+15550100");
      const auto ack = publisher_->Publish(event);
      ASSERT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << tenant << ": " << ack.reason();
      worlds_[tenant].conversation_id = ack.conversation_id();
    }
    ASSERT_NE(worlds_[kAcme].conversation_id, worlds_[kGlobex].conversation_id);
    // Each alice is offered her tenant's conversation, and only it.
    for (const std::string tenant : {kAcme, kGlobex}) {
      auto offer = testing::NextOffer(*alices_[tenant]);
      ASSERT_TRUE(offer.has_value()) << tenant;
      EXPECT_EQ(offer->conversation().id(), worlds_[tenant].conversation_id) << tenant;
      EXPECT_EQ(offer->conversation().tenant(), tenant);
      EXPECT_EQ(offer->last_event().content().text(), "Hello from " + tenant);
      ASSERT_TRUE(alices_[tenant]->Accept(offer->offer_id()).ok());
      worlds_[tenant].customer_id = offer->customer().id();
      EXPECT_EQ(offer->customer().tenant(), tenant);
    }
    EXPECT_NE(worlds_[kAcme].customer_id, worlds_[kGlobex].customer_id);
    for (const std::string tenant : {kAcme, kGlobex}) {
      EXPECT_FALSE(testing::NextOffer(*alices_[tenant], 300ms).has_value()) << tenant;
    }
  }

  std::unique_ptr<omnibroker::v1::Admin::Stub> Admin(const std::string& tenant, Role role = Role::kAdmin) {
    return secured_->Admin(Token("ops", tenant, role));
  }

  const std::string ingest_ = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  std::unique_ptr<SecuredBroker> secured_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
  std::map<std::string, std::unique_ptr<agent::AgentClient>> alices_;
  std::map<std::string, World> worlds_;
};

// One Admin call made by acme's admin against globex's objects, and what must come of it.
struct AdminProbe {
  std::string method;
  grpc::StatusCode expected;
  std::function<grpc::Status(omnibroker::v1::Admin::Stub&, grpc::ClientContext*, const World& theirs)> call;
  // What acme sees in the answer of a call that succeeds: never anything of globex.
  std::function<void(const World& theirs)> check = [](const World&) {};
};

TEST_F(TenantIsolationTest, NoAdminCallOfOneTenantReachesTheOther) {
  using grpc::StatusCode;
  namespace v1 = omnibroker::v1;
  const World& ours = worlds_[kAcme];
  v1::ListAgentsResponse agents;
  v1::ListConversationsResponse conversations;
  v1::QueueSnapshot queue;
  v1::FloorStats floor;
  v1::ListAuditResponse audit;
  v1::ListRevocationsResponse revocations;
  v1::RoutingPolicy policy;
  v1::Agent agent;
  v1::Conversation conversation;
  v1::RoutingExplanation explanation;
  v1::GetHistoryResponse history;
  v1::Customer customer;
  v1::AuditRecord record;
  v1::TokenRevocation revocation;
  v1::BackupResult backup;
  v1::RetentionResult retention;
  v1::ListTenantsResponse tenants;
  v1::ClusterStatus cluster;
  v1::ListReviewsResponse reviews;
  v1::ReviewDetail review;
  v1::ScoreReviewResponse scored;
  v1::AgentQuality quality;

  // Globex reviews every closed conversation: its alice closes a second one, which waits for a
  // globex reviewer.
  std::string their_review;
  {
    grpc::ClientContext context;
    v1::SetRoutingPolicyRequest request;
    auto* card = request.mutable_policy()->mutable_quality()->add_scorecards();
    card->set_name("support");
    card->add_criteria()->set_name("greeting");
    card->mutable_criteria(0)->set_weight(1);
    request.mutable_policy()->mutable_quality()->mutable_sampling()->set_share(1);
    ASSERT_TRUE(Admin(kGlobex)->SetRoutingPolicy(&context, request, &policy).ok());
    omnibroker::v1::Event event = testing::MessageFrom("wamid-2", "whatsapp", "+15550199", "Second question");
    event.set_tenant(kGlobex);
    const auto ack = publisher_->Publish(event);
    ASSERT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
    their_review = ack.conversation_id();
    auto offer = testing::NextOffer(*alices_[kGlobex]);
    ASSERT_TRUE(offer.has_value());
    ASSERT_EQ(offer->conversation().id(), their_review);
    ASSERT_TRUE(alices_[kGlobex]->Accept(offer->offer_id()).ok());
    ASSERT_TRUE(alices_[kGlobex]->CloseConversation(their_review, "resolved").ok());
  }

  const std::vector<AdminProbe> probes = {
      {"ListAgents", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.ListAgents(context, {}, &agents); },
       [&](const World&) {
         ASSERT_GT(agents.agents_size(), 0);
         for (const auto& status : agents.agents()) EXPECT_EQ(status.agent().tenant(), kAcme);
         // Only acme's alice is connected and holds acme's one conversation.
         for (const auto& status : agents.agents()) {
           EXPECT_EQ(status.assigned_conversations(), status.agent().id() == "alice" ? 1 : 0);
         }
       }},
      {"ListConversations", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) {
         return admin.ListConversations(context, {}, &conversations);
       },
       [&](const World&) {
         ASSERT_EQ(conversations.conversations_size(), 1);
         EXPECT_EQ(conversations.conversations(0).id(), ours.conversation_id);
       }},
      {"GetConversation", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::GetConversationRequest request;
         request.set_conversation_id(theirs.conversation_id);
         return admin.GetConversation(context, request, &conversation);
       }},
      {"GetQueueSnapshot", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.GetQueueSnapshot(context, {}, &queue); },
       [&](const World& theirs) {
         for (const auto& entry : queue.entries()) EXPECT_NE(entry.conversation_id(), theirs.conversation_id);
       }},
      {"GetFloorStats", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.GetFloorStats(context, {}, &floor); },
       [&](const World&) {
         int64_t offered = 0;
         for (const auto& queue_stats : floor.queues()) offered += queue_stats.offered();
         EXPECT_EQ(offered, 1) << "globex's arrival is not acme's";
         for (const auto& agent_stats : floor.agents()) {
           EXPECT_EQ(agent_stats.connected(), agent_stats.agent_id() == "alice") << agent_stats.agent_id();
         }
       }},
      {"ExplainRouting", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::ExplainRoutingRequest request;
         request.set_conversation_id(theirs.conversation_id);
         return admin.ExplainRouting(context, request, &explanation);
       }},
      {"GetRoutingPolicy", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.GetRoutingPolicy(context, {}, &policy); }},
      {"SetRoutingPolicy", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) {
         v1::SetRoutingPolicyRequest request;
         request.mutable_policy()->mutable_offer_timeout()->set_seconds(7);
         return admin.SetRoutingPolicy(context, request, &policy);
       },
       [&](const World&) {
         EXPECT_EQ(policy.offer_timeout().seconds(), 7);
         grpc::ClientContext context;
         v1::RoutingPolicy theirs;
         ASSERT_TRUE(Admin(kGlobex)->GetRoutingPolicy(&context, {}, &theirs).ok());
         EXPECT_NE(theirs.offer_timeout().seconds(), 7) << "acme's change reached globex's policy";
       }},
      {"GetCustomerHistory", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::GetCustomerHistoryRequest request;
         request.set_customer_id(theirs.customer_id);
         return admin.GetCustomerHistory(context, request, &history);
       }},
      {"Backup", StatusCode::PERMISSION_DENIED,  // every tenant's data: the operator's
       [&](auto& admin, auto* context, const World&) {
         v1::BackupRequest request;
         request.set_target_dir((secured_->dir() / "backup").string());
         return admin.Backup(context, request, &backup);
       }},
      {"GetCustomer", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::GetCustomerRequest request;
         request.set_customer_id(theirs.customer_id);
         return admin.GetCustomer(context, request, &customer);
       }},
      {"MergeCustomers", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::MergeCustomersRequest request;
         request.set_from_customer_id(theirs.customer_id);
         request.set_into_customer_id(ours.customer_id);
         request.set_reason("the same phone number");
         return admin.MergeCustomers(context, request, &customer);
       }},
      {"UnmergeCustomer", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::UnmergeCustomerRequest request;
         request.set_customer_id(theirs.customer_id);
         return admin.UnmergeCustomer(context, request, &customer);
       }},
      {"EraseCustomer", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::EraseCustomerRequest request;
         request.set_customer_id(theirs.customer_id);
         request.set_reason("a request under GDPR art. 17");
         return admin.EraseCustomer(context, request, &record);
       }},
      {"SweepRetention", StatusCode::PERMISSION_DENIED,  // every tenant's events: the operator's
       [&](auto& admin, auto* context, const World&) { return admin.SweepRetention(context, {}, &retention); }},
      {"UpdateCustomer", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World& theirs) {
         v1::UpdateCustomerRequest request;
         request.set_customer_id(theirs.customer_id);
         request.set_tier(v1::TIER_VIP);
         return admin.UpdateCustomer(context, request, &customer);
       }},
      {"RevokeTokens", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) {
         v1::RevokeTokensRequest request;
         request.set_agent_id("boris");
         request.set_reason("lost laptop");
         return admin.RevokeTokens(context, request, &revocation);
       },
       [&](const World&) {
         // Acme's boris is revoked; globex's boris is not.
         auto acme_boris = secured_->Agent("boris", Token("boris", kAcme));
         EXPECT_FALSE(acme_boris.ok());
         auto globex_boris = secured_->Agent("boris", Token("boris", kGlobex));
         EXPECT_TRUE(globex_boris.ok()) << globex_boris.status();
       }},
      {"ListRevocations", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) {
         return admin.ListRevocations(context, {}, &revocations);
       },
       [&](const World&) {
         ASSERT_EQ(revocations.revocations_size(), 1);
         EXPECT_EQ(revocations.revocations(0).agent_id(), "boris");
         EXPECT_EQ(revocations.revocations(0).tenant(), kAcme);
       }},
      {"RemoveAgent", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) {
         v1::RemoveAgentRequest request;
         request.set_agent_id("chen");
         request.set_reason("left the company");
         return admin.RemoveAgent(context, request, &record);
       },
       [&](const World&) {
         grpc::ClientContext context;
         v1::ListAgentsResponse theirs;
         ASSERT_TRUE(Admin(kGlobex)->ListAgents(&context, {}, &theirs).ok());
         std::set<std::string> ids;
         for (const auto& status : theirs.agents()) ids.insert(status.agent().id());
         EXPECT_TRUE(ids.contains("chen")) << "acme's removal took globex's chen";
       }},
      {"UpsertAgent", StatusCode::PERMISSION_DENIED,
       [&](auto& admin, auto* context, const World&) {
         v1::UpsertAgentRequest request;
         *request.mutable_agent() = agents.agents(0).agent();
         request.mutable_agent()->set_tenant(kGlobex);  // into another tenant's roster
         return admin.UpsertAgent(context, request, &agent);
       }},
      {"ListTenants", StatusCode::PERMISSION_DENIED,  // every tenant: the operator's
       [&](auto& admin, auto* context, const World&) { return admin.ListTenants(context, {}, &tenants); }},
      {"GetClusterStatus", StatusCode::PERMISSION_DENIED,  // every tenant's partitions
       [&](auto& admin, auto* context, const World&) {
         return admin.GetClusterStatus(context, {}, &cluster);
       }},
      {"AddTenant", StatusCode::PERMISSION_DENIED,
       [&](auto& admin, auto* context, const World&) {
         v1::AddTenantRequest request;
         request.set_name("initech");
         request.set_reason("a company of our own");
         return admin.AddTenant(context, request, &record);
       }},
      {"RemoveTenant", StatusCode::PERMISSION_DENIED,
       [&](auto& admin, auto* context, const World&) {
         v1::RemoveTenantRequest request;
         request.set_name(kGlobex);
         request.set_reason("a rival");
         return admin.RemoveTenant(context, request, &record);
       }},
      {"ListReviews", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.ListReviews(context, {}, &reviews); },
       [&](const World&) { EXPECT_EQ(reviews.reviews_size(), 0) << "globex's review is globex's"; }},
      {"GetReview", StatusCode::NOT_FOUND,
       [&](auto& admin, auto* context, const World&) {
         v1::GetReviewRequest request;
         request.set_conversation_id(their_review);
         return admin.GetReview(context, request, &review);
       }},
      {"ScoreReview", StatusCode::PERMISSION_DENIED,  // role quality's alone (acme's reviewer: below)
       [&](auto& admin, auto* context, const World&) {
         v1::ScoreReviewRequest request;
         request.set_conversation_id(their_review);
         auto* answer = request.add_answers();
         answer->set_criterion("greeting");
         answer->set_answer(v1::ANSWER_NO);
         return admin.ScoreReview(context, request, &scored);
       }},
      {"RecertifyAgent", StatusCode::FAILED_PRECONDITION,  // acme's alice, who is in good standing
       [&](auto& admin, auto* context, const World&) {
         v1::RecertifyAgentRequest request;
         request.set_agent_id("alice");
         request.set_note("vouched for");
         return admin.RecertifyAgent(context, request, &quality);
       }},
      {"ListAudit", StatusCode::OK,
       [&](auto& admin, auto* context, const World&) { return admin.ListAudit(context, {}, &audit); },
       [&](const World&) {
         // Acme's own acts only (the revocation and the removal above), none of globex's.
         ASSERT_EQ(audit.records_size(), 2);
         for (const auto& r : audit.records()) EXPECT_EQ(r.tenant(), kAcme) << r.action();
       }},
  };

  // Globex acts too, so that acme's audit and revocation lists have something to leave out.
  {
    grpc::ClientContext context;
    v1::RevokeTokensRequest request;
    request.set_agent_id("dana");
    request.set_reason("on leave");
    ASSERT_TRUE(Admin(kGlobex)->RevokeTokens(&context, request, &revocation).ok());
  }

  std::set<std::string> covered;
  auto acme = Admin(kAcme);
  for (const auto& probe : probes) {
    SCOPED_TRACE(probe.method);
    covered.insert(probe.method);
    grpc::ClientContext context;
    const grpc::Status status = probe.call(*acme, &context, worlds_[kGlobex]);
    EXPECT_EQ(status.error_code(), probe.expected) << status.error_message();
    if (status.ok()) probe.check(worlds_[kGlobex]);
  }
  const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      v1::Admin::service_full_name());
  ASSERT_NE(service, nullptr);
  for (int i = 0; i < service->method_count(); ++i) {
    EXPECT_TRUE(covered.contains(service->method(i)->name()))
        << "Admin." << service->method(i)->name() << " has no row in this table";
  }

  // Acme's reviewer neither reads nor scores globex's review, which still waits for globex's.
  {
    auto reviewer = Admin(kAcme, Role::kQuality);
    grpc::ClientContext read_context;
    v1::GetReviewRequest read;
    read.set_conversation_id(their_review);
    EXPECT_EQ(reviewer->GetReview(&read_context, read, &review).error_code(), StatusCode::NOT_FOUND);
    grpc::ClientContext score_context;
    v1::ScoreReviewRequest score;
    score.set_conversation_id(their_review);
    auto* answer = score.add_answers();
    answer->set_criterion("greeting");
    answer->set_answer(v1::ANSWER_NO);
    EXPECT_EQ(reviewer->ScoreReview(&score_context, score, &scored).error_code(), StatusCode::NOT_FOUND);
    grpc::ClientContext list_context;
    ASSERT_TRUE(Admin(kGlobex, Role::kQuality)->ListReviews(&list_context, {}, &reviews).ok());
    ASSERT_EQ(reviews.reviews_size(), 1);
    EXPECT_EQ(reviews.reviews(0).conversation_id(), their_review);
    EXPECT_EQ(reviews.reviews(0).state(), v1::REVIEW_PENDING);
  }

  // Globex's conversation and customer are whole after all of it.
  grpc::ClientContext context;
  v1::GetConversationRequest request;
  request.set_conversation_id(worlds_[kGlobex].conversation_id);
  ASSERT_TRUE(Admin(kGlobex)->GetConversation(&context, request, &conversation).ok());
  EXPECT_EQ(conversation.state(), v1::CONVERSATION_STATE_ASSIGNED);
  auto page = alices_[kGlobex]->History(worlds_[kGlobex].conversation_id);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).content().text(), "Hello from globex");
}

TEST_F(TenantIsolationTest, TheOperatorActsForTheTenantItNames) {
  // An operator's token holds no tenant of its own: it names one per call.
  grpc::ClientContext context;
  context.AddMetadata(auth::kTenantMetadata, kGlobex);
  omnibroker::v1::ListConversationsResponse conversations;
  const grpc::Status listed = Admin("*", Role::kOperator)->ListConversations(&context, {}, &conversations);
  ASSERT_TRUE(listed.ok()) << listed.error_message();
  ASSERT_EQ(conversations.conversations_size(), 1);
  EXPECT_EQ(conversations.conversations(0).id(), worlds_[kGlobex].conversation_id);

  grpc::ClientContext unknown;
  unknown.AddMetadata(auth::kTenantMetadata, "initech");
  EXPECT_EQ(Admin("*", Role::kOperator)->ListConversations(&unknown, {}, &conversations).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(TenantIsolationTest, NoConsoleCallOfOneTenantReachesTheOther) {
  agent::AgentClient& alice = *alices_[kAcme];
  const World& theirs = worlds_[kGlobex];
  // Their conversation (the same agent id holds it, in the other tenant) is not hers to read,
  // write, close or hand on.
  EXPECT_FALSE(alice.History(theirs.conversation_id).ok());
  EXPECT_FALSE(alice.CustomerHistory(theirs.customer_id).ok());
  EXPECT_FALSE(alice.SendText(theirs.conversation_id, "Hi from acme").ok());
  EXPECT_FALSE(alice.CloseConversation(theirs.conversation_id, "resolved").ok());
  EXPECT_FALSE(alice.TransferToAgent(theirs.conversation_id, "boris", "over to you").ok());
  // Her own tenant's customer history is hers while she serves them.
  auto own = alice.CustomerHistory(worlds_[kAcme].customer_id);
  ASSERT_TRUE(own.ok()) << own.status();
  for (const auto& event : own->events()) EXPECT_EQ(event.tenant(), kAcme);

  // A supervisor reads every conversation of their tenant, and none of another's.
  auto sofia = secured_->Agent("sofia", Token("sofia", kAcme, Role::kSupervisor));
  ASSERT_TRUE(sofia.ok()) << sofia.status();
  EXPECT_TRUE((*sofia)->History(worlds_[kAcme].conversation_id).ok());
  const auto denied = (*sofia)->History(theirs.conversation_id);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kNotFound) << denied.status();
  EXPECT_FALSE((*sofia)->CustomerHistory(theirs.customer_id).ok());

  // Globex's conversation is untouched: still alice's, with its one message.
  auto page = alices_[kGlobex]->History(theirs.conversation_id);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->events_size(), 1);
}

TEST_F(TenantIsolationTest, AnEventOfATenantTheBrokerDoesNotServeIsRefusedForGood) {
  omnibroker::v1::Event event = testing::MessageFrom("wamid-2", "whatsapp", "+15550100", "Hello");
  event.set_tenant("initech");
  const auto ack = publisher_->Publish(event);
  EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_TRUE(absl::StrContains(ack.reason(), "initech")) << ack.reason();
}

}  // namespace
}  // namespace omni
