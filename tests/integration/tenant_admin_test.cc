// Tenants added and removed at run time by a platform operator, on a real broker (mTLS, tokens):
// an added tenant is served at once (its connector's events admitted, its agents offered work) and
// after restarts; a removed one is refused everywhere (ingest, Admin, its consoles' streams end),
// stays removed across restarts even while the config file names it, and comes back with its
// data whole when added again. Only an operator may do either.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

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
namespace v1 = omnibroker::v1;

constexpr char kAcme[] = "acme";      // the broker's default tenant
constexpr char kGlobex[] = "globex";  // named by the config file
constexpr char kInitech[] = "initech";  // named by nobody until the operator adds it

std::string Token(const std::string& agent_id, const std::string& tenant, Role role = Role::kAgent) {
  return auth::MintAgentToken(
      auth::NewAgentClaims(agent_id, tenant, role, SystemClock::Get().Now(), std::chrono::hours(1)),
      testing::kTestTokenSecret);
}

class TenantAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secured_ = std::make_unique<SecuredBroker>([this](app::BrokerConfig& config) {
      config.tenant = kAcme;
      config.ingest_listen = ingest_;
      config.tenants.push_back(
          app::TenantConfig{.name = kGlobex, .routing = config.routing, .agents = config.agents});
    });
    publisher_ = std::make_unique<testing::IngestPublisher>(ingest_);
  }

  std::unique_ptr<v1::Admin::Stub> Operator() {
    return secured_->Admin(Token("ops", "*", Role::kOperator));
  }

  // An operator's call acting for `tenant` (x-omni-tenant).
  static void For(grpc::ClientContext& context, const std::string& tenant) {
    context.AddMetadata(auth::kTenantMetadata, tenant);
  }

  absl::StatusOr<v1::AuditRecord> Add(const std::string& tenant) {
    v1::AddTenantRequest request;
    request.set_name(tenant);
    request.set_reason("contract signed");
    grpc::ClientContext context;
    v1::AuditRecord record;
    const grpc::Status status = Operator()->AddTenant(&context, request, &record);
    if (!status.ok()) return absl::Status(absl::StatusCode(status.error_code()), status.error_message());
    return record;
  }

  absl::StatusOr<v1::AuditRecord> Remove(const std::string& tenant) {
    v1::RemoveTenantRequest request;
    request.set_name(tenant);
    request.set_reason("contract ended");
    grpc::ClientContext context;
    v1::AuditRecord record;
    const grpc::Status status = Operator()->RemoveTenant(&context, request, &record);
    if (!status.ok()) return absl::Status(absl::StatusCode(status.error_code()), status.error_message());
    return record;
  }

  std::map<std::string, v1::TenantSummary> Tenants() {
    grpc::ClientContext context;
    v1::ListTenantsResponse response;
    const grpc::Status status = Operator()->ListTenants(&context, {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::map<std::string, v1::TenantSummary> out;
    for (const auto& tenant : response.tenants()) out[tenant.name()] = tenant;
    return out;
  }

  v1::IngestAck Publish(const std::string& tenant, const std::string& id, const std::string& text) {
    v1::Event event = testing::MessageFrom(id, "whatsapp", "+15550100", text);
    event.set_tenant(tenant);
    event.mutable_sender()->set_phone("+15550100");
    return publisher_->Publish(event);
  }

  grpc::StatusCode GetConversation(const std::string& tenant, const std::string& id,
                                   v1::Conversation* conversation) {
    grpc::ClientContext context;
    For(context, tenant);
    v1::GetConversationRequest request;
    request.set_conversation_id(id);
    return Operator()->GetConversation(&context, request, conversation).error_code();
  }

  const std::string ingest_ = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  std::unique_ptr<SecuredBroker> secured_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
};

TEST_F(TenantAdminTest, AnAddedTenantIsServedAtOnceAndAfterRestarts) {
  // Not served yet: its events are refused for good.
  const auto before = Publish(kInitech, "wamid-0", "Anyone there?");
  EXPECT_EQ(before.status(), v1::INGEST_STATUS_REJECTED);
  EXPECT_TRUE(absl::StrContains(before.reason(), kInitech)) << before.reason();

  const auto added = Add(kInitech);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_EQ(added->action(), "add_tenant");
  EXPECT_EQ(added->tenant(), kInitech);
  EXPECT_EQ(added->requested_by(), "ops") << "the operator's token says who asked";
  EXPECT_EQ(Add(kInitech).status().code(), absl::StatusCode::kAlreadyExists);

  // Its roster through Admin acting for it (ivan works as acme's alice does); he logs in and is
  // offered its customer's words.
  {
    grpc::ClientContext list_context;
    For(list_context, kAcme);
    v1::ListAgentsResponse acme;
    ASSERT_TRUE(Operator()->ListAgents(&list_context, {}, &acme).ok());
    grpc::ClientContext context;
    For(context, kInitech);
    v1::UpsertAgentRequest request;
    for (const auto& status : acme.agents()) {
      if (status.agent().id() == "alice") *request.mutable_agent() = status.agent();
    }
    request.mutable_agent()->set_id("ivan");
    request.mutable_agent()->clear_tenant();
    request.mutable_agent()->clear_presence();
    v1::Agent agent;
    const grpc::Status upserted = Operator()->UpsertAgent(&context, request, &agent);
    ASSERT_TRUE(upserted.ok()) << upserted.error_message();
  }
  auto ivan = secured_->Agent("ivan", Token("ivan", kInitech));
  ASSERT_TRUE(ivan.ok()) << ivan.status();
  ASSERT_TRUE((*ivan)->SetPresence(PRESENCE_AVAILABLE).ok());
  const auto ack = Publish(kInitech, "wamid-1", "My invoice is wrong");
  ASSERT_EQ(ack.status(), v1::INGEST_STATUS_ACCEPTED) << ack.reason();
  auto offer = testing::NextOffer(**ivan);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->conversation().tenant(), kInitech);
  EXPECT_EQ(offer->last_event().content().text(), "My invoice is wrong");

  auto tenants = Tenants();
  ASSERT_TRUE(tenants.contains(kInitech));
  EXPECT_EQ(tenants[kInitech].added_by(), "admin");
  EXPECT_EQ(tenants[kInitech].partition(), 0) << "initech's partition by the stable hash";
  EXPECT_EQ(tenants[kInitech].agents(), 1);
  EXPECT_EQ(tenants[kInitech].agents_connected(), 1);
  EXPECT_EQ(tenants[kInitech].open_conversations(), 1);
  EXPECT_EQ(tenants[kAcme].added_by(), "config");
  EXPECT_EQ(tenants[kGlobex].added_by(), "config");

  ivan->reset();
  secured_->Restart();
  tenants = Tenants();
  ASSERT_TRUE(tenants.contains(kInitech)) << "Admin's tenant outlives a restart";
  EXPECT_EQ(tenants[kInitech].added_by(), "admin");
  EXPECT_EQ(tenants[kInitech].agents(), 1);
  EXPECT_EQ(tenants[kInitech].open_conversations(), 1);
  v1::Conversation conversation;
  EXPECT_EQ(GetConversation(kInitech, ack.conversation_id(), &conversation), grpc::StatusCode::OK);
}

TEST_F(TenantAdminTest, ARemovedTenantIsRefusedEverywhereAndComesBackWhole) {
  // Globex has a conversation its agent holds, and the agent's console is open.
  auto alice = secured_->Agent("alice", Token("alice", kGlobex));
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(PRESENCE_AVAILABLE).ok());
  const auto ack = Publish(kGlobex, "wamid-1", "Where is my parcel?");
  ASSERT_EQ(ack.status(), v1::INGEST_STATUS_ACCEPTED) << ack.reason();
  auto offer = testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE((*alice)->Accept(offer->offer_id()).ok());
  alice->reset();
  testing::ConsoleStream console(*secured_, "boris", Token("boris", kGlobex));
  ASSERT_EQ(console.LoginCode(), static_cast<int>(grpc::StatusCode::OK));

  const auto removed = Remove(kGlobex);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->action(), "remove_tenant");
  EXPECT_EQ(removed->counts().at("open_conversations"), 1);
  EXPECT_EQ(Remove(kGlobex).status().code(), absl::StatusCode::kNotFound);

  // Its console's stream ends, new ones are refused, Admin acting for it finds nothing, and its
  // connectors' events are refused; the other tenants go on.
  const grpc::Status ended = console.Ended();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::NOT_FOUND) << ended.error_message();
  EXPECT_FALSE(secured_->Agent("alice", Token("alice", kGlobex)).ok());
  v1::Conversation conversation;
  EXPECT_EQ(GetConversation(kGlobex, ack.conversation_id(), &conversation),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Publish(kGlobex, "wamid-2", "Hello?").status(), v1::INGEST_STATUS_REJECTED);
  EXPECT_EQ(Publish(kAcme, "wamid-3", "Hello acme").status(), v1::INGEST_STATUS_ACCEPTED);
  EXPECT_FALSE(Tenants().contains(kGlobex));

  // Removed over the config file, which still names it.
  secured_->Restart();
  EXPECT_FALSE(Tenants().contains(kGlobex));
  EXPECT_EQ(Publish(kGlobex, "wamid-4", "Hello again?").status(), v1::INGEST_STATUS_REJECTED);

  // Added back: its conversation, still alice's, its history and its roster are there.
  ASSERT_TRUE(Add(kGlobex).ok());
  ASSERT_EQ(GetConversation(kGlobex, ack.conversation_id(), &conversation), grpc::StatusCode::OK);
  EXPECT_EQ(conversation.state(), v1::CONVERSATION_STATE_ASSIGNED);
  EXPECT_EQ(conversation.assigned_agent_id(), "alice");
  auto back = secured_->Agent("alice", Token("alice", kGlobex));
  ASSERT_TRUE(back.ok()) << back.status();
  auto page = (*back)->History(ack.conversation_id());
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).content().text(), "Where is my parcel?");
  EXPECT_EQ(Publish(kGlobex, "wamid-5", "Thanks").status(), v1::INGEST_STATUS_ACCEPTED);
  back->reset();
  secured_->Restart();
  EXPECT_EQ(Tenants()[kGlobex].added_by(), "admin");
}

TEST_F(TenantAdminTest, WhatTheOperatorMayNotDo) {
  EXPECT_EQ(Remove(kAcme).status().code(), absl::StatusCode::kFailedPrecondition)
      << "the default tenant stays";
  EXPECT_EQ(Remove(kInitech).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Add("Initech Corp").status().code(), absl::StatusCode::kInvalidArgument);
  {
    v1::AddTenantRequest request;
    request.set_name(kInitech);  // and no reason
    grpc::ClientContext context;
    v1::AuditRecord record;
    EXPECT_EQ(Operator()->AddTenant(&context, request, &record).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  // A tenant's own admin is no operator.
  auto acme_admin = secured_->Admin(Token("ops", kAcme, Role::kAdmin));
  v1::AddTenantRequest request;
  request.set_name(kInitech);
  request.set_reason("contract signed");
  grpc::ClientContext context;
  v1::AuditRecord record;
  EXPECT_EQ(acme_admin->AddTenant(&context, request, &record).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_FALSE(Tenants().contains(kInitech));
}

}  // namespace
}  // namespace omni
