// Agent tokens, roles and per-object authorization against a real broker (mTLS, tokens): each
// refusal with its status, its message and its metric.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"
#include "tests/support/secured_broker.h"
#include "tests/support/tcp_proxy.h"

namespace omni {
namespace {

using agent::AgentClient;
using auth::Role;
using testing::SecuredBroker;
using testing::Visitor;
using namespace std::chrono_literals;

class AgentAuthTest : public ::testing::Test {
 protected:
  uint64_t AuthFailures(const std::string& reason) {
    return secured_.broker().metrics().auth_failure(reason)->value();
  }

  std::unique_ptr<AgentClient> Available(const std::string& agent_id, Role role = Role::kAgent) {
    auto client = secured_.Agent(agent_id, SecuredBroker::Token(agent_id, role));
    EXPECT_TRUE(client.ok()) << client.status();
    if (!client.ok()) return nullptr;
    EXPECT_TRUE((*client)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
    return std::move(client).value();
  }

  // A visitor's conversation, accepted by `agent`.
  std::string Assigned(AgentClient& agent) {
    Visitor visitor(testing::WebChatPort(secured_.broker()));
    visitor.Register("Ann");
    auto [status, body] = visitor.Say("Hello, my order is late");
    EXPECT_EQ(status, 202) << body.dump();
    auto offer = testing::NextOffer(agent);
    EXPECT_TRUE(offer.has_value());
    if (!offer) return "";
    EXPECT_TRUE(agent.Accept(offer->offer_id()).ok());
    return offer->conversation().id();
  }

  SecuredBroker secured_;
};

TEST_F(AgentAuthTest, NoTokenIsUnauthenticated) {
  auto alice = secured_.Agent("alice", "");
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(alice.status().message(), "authorization: Bearer")) << alice.status();
  EXPECT_EQ(AuthFailures("missing"), 1u);
}

TEST_F(AgentAuthTest, AnExpiredTokenIsUnauthenticated) {
  auto alice = secured_.Agent("alice", SecuredBroker::Token("alice", Role::kAgent, -1h));
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(alice.status().message(), "expired")) << alice.status();
  EXPECT_EQ(AuthFailures("expired"), 1u);
}

TEST_F(AgentAuthTest, ATokenSignedWithAnotherSecretIsUnauthenticated) {
  auto alice = secured_.Agent(
      "alice", SecuredBroker::Token("alice", Role::kAgent, 1h, "not-the-brokers-secret-0123456789"));
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(alice.status().message(), "bad signature")) << alice.status();
  EXPECT_EQ(AuthFailures("bad_signature"), 1u);
}

TEST_F(AgentAuthTest, AnUnsignedTokenIsUnauthenticated) {
  auto alice = secured_.Agent("alice", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSIsImV4cCI6NDEwMjQ0NDgwMH0.");
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(alice.status().message(), "only HS256")) << alice.status();
  EXPECT_EQ(AuthFailures("unsupported_alg"), 1u);
  EXPECT_EQ(secured_.Agent("alice", "garbage").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthFailures("malformed"), 1u);
}

TEST_F(AgentAuthTest, CallingAsAnotherAgentIsDenied) {
  auto boris = secured_.Agent("boris", SecuredBroker::Token("alice"));
  EXPECT_EQ(boris.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(boris.status().message(), "x-omni-agent-id 'boris' is not the token's agent 'alice'"))
      << boris.status();
}

// The SDK's `tenant` goes out as x-omni-tenant on every call: the token's own tenant is served, and
// another is refused on the console stream and on a unary call alike.
TEST_F(AgentAuthTest, AnAgentCallingForAnotherTenantIsDenied) {
  auto connect = [&](const std::string& tenant) {
    return AgentClient::Connect({.target = secured_.broker().grpc_address(),
                                 .agent_id = "alice",
                                 .token = SecuredBroker::Token("alice"),
                                 .tenant = tenant,
                                 .credentials = secured_.Credentials(),
                                 .connect_timeout = 3s});
  };
  auto globex = connect("globex");
  EXPECT_EQ(globex.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(globex.status().message(),
                                "x-omni-tenant 'globex' is not the token's tenant 'default'"))
      << globex.status();
  auto own = connect("default");
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_TRUE((*own)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  (*own)->Close();

  auto admin = omnibroker::v1::Admin::NewStub(
      agent::AuthorizedChannel(secured_.broker().grpc_address(), secured_.Credentials(),
                               SecuredBroker::Token("ops", Role::kAdmin), "globex"));
  grpc::ClientContext context;
  omnibroker::v1::ListAgentsResponse response;
  const grpc::Status listed = admin->ListAgents(&context, {}, &response);
  EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(absl::StrContains(listed.error_message(), "x-omni-tenant 'globex'"))
      << listed.error_message();
}

// A platform operator's token is for every tenant: each call names the one it acts for.
TEST_F(AgentAuthTest, AnOperatorNamesTheTenantOfEachCall) {
  const std::string olga = SecuredBroker::Token("olga", Role::kOperator);
  auto list = [&](const std::string& tenant) {
    auto admin = omnibroker::v1::Admin::NewStub(agent::AuthorizedChannel(
        secured_.broker().grpc_address(), secured_.Credentials(), olga, tenant));
    grpc::ClientContext context;
    omnibroker::v1::ListAgentsResponse response;
    return admin->ListAgents(&context, {}, &response);
  };
  const grpc::Status unnamed = list("");
  EXPECT_EQ(unnamed.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(unnamed.error_message(),
            "x-omni-tenant: an operator names the tenant the call acts for");
  const grpc::Status named = list("default");
  EXPECT_TRUE(named.ok()) << named.error_message();
}

// A client of its own (no x-omni-agent-id) logs in as someone else than its token names.
TEST_F(AgentAuthTest, LoggingInAsAnotherAgentIsDenied) {
  auto stub = omnibroker::v1::AgentConsole::NewStub(
      agent::AuthorizedChannel(secured_.broker().grpc_address(), secured_.Credentials(), SecuredBroker::Token("alice")));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 10s);
  auto stream = stub->Connect(&context);
  omnibroker::v1::AgentRequest login;
  login.set_request_id("login-1");
  login.mutable_login()->set_agent_id("boris");
  ASSERT_TRUE(stream->Write(login));
  omnibroker::v1::AgentUpdate update;
  ASSERT_TRUE(stream->Read(&update));
  ASSERT_TRUE(update.has_result()) << update.DebugString();
  EXPECT_EQ(update.result().request_id(), "login-1");
  EXPECT_EQ(update.result().code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(update.result().message(), "login.agent_id: the token is for 'alice', not 'boris'");
  context.TryCancel();
  stream->Finish();
}

TEST_F(AgentAuthTest, AdminNeedsSupervisorToReadAndAdminToChange) {
  auto list = [&](const std::string& token) {
    grpc::ClientContext context;
    omnibroker::v1::ListAgentsResponse response;
    return secured_.Admin(token)->ListAgents(&context, {}, &response);
  };
  auto upsert = [&](const std::string& token) {
    grpc::ClientContext context;
    omnibroker::v1::UpsertAgentRequest request;
    request.mutable_agent()->set_id("erin");
    request.mutable_agent()->add_teams("support");
    omnibroker::v1::Agent response;
    return secured_.Admin(token)->UpsertAgent(&context, request, &response);
  };
  EXPECT_EQ(list("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const grpc::Status agent_reads = list(SecuredBroker::Token("alice"));
  EXPECT_EQ(agent_reads.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(agent_reads.error_message(), "Admin.ListAgents needs role supervisor; alice has role agent");
  EXPECT_TRUE(list(SecuredBroker::Token("sofia", Role::kSupervisor)).ok());
  const grpc::Status supervisor_writes = upsert(SecuredBroker::Token("sofia", Role::kSupervisor));
  EXPECT_EQ(supervisor_writes.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(supervisor_writes.error_message(), "Admin.UpsertAgent needs role admin; sofia has role supervisor");
  EXPECT_TRUE(upsert(SecuredBroker::Token("ops", Role::kAdmin)).ok());
}

TEST_F(AgentAuthTest, TheAuditTrailNamesTheTokensAgentNotWhatTheRequestClaims) {
  auto alice = Available("alice");
  ASSERT_TRUE(alice);
  const std::string conversation = Assigned(*alice);
  auto admin = secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin));
  omnibroker::v1::Conversation record;
  {
    grpc::ClientContext context;
    omnibroker::v1::GetConversationRequest request;
    request.set_conversation_id(conversation);
    ASSERT_TRUE(admin->GetConversation(&context, request, &record).ok());
  }
  grpc::ClientContext context;
  omnibroker::v1::EraseCustomerRequest erase;
  erase.set_customer_id(record.customer_id());
  erase.set_requested_by("the-ceo");  // a claim the token does not back
  erase.set_reason("GDPR art. 17 request #7");
  omnibroker::v1::AuditRecord audit;
  ASSERT_TRUE(admin->EraseCustomer(&context, erase, &audit).ok());
  EXPECT_EQ(audit.requested_by(), "ops");
  grpc::ClientContext list_context;
  omnibroker::v1::ListAuditResponse trail;
  ASSERT_TRUE(admin->ListAudit(&list_context, {}, &trail).ok());
  ASSERT_EQ(trail.records_size(), 1);
  EXPECT_EQ(trail.records(0).requested_by(), "ops");
}

TEST_F(AgentAuthTest, OnlyTheAssignedAgentReadsAndWritesButASupervisorReads) {
  auto alice = Available("alice");
  const std::string id = Assigned(*alice);
  ASSERT_FALSE(id.empty());

  auto boris = secured_.Agent("boris", SecuredBroker::Token("boris"));
  ASSERT_TRUE(boris.ok()) << boris.status();
  const auto denied = (*boris)->History(id);
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(denied.status().message(), "is not offered or assigned to boris"))
      << denied.status();
  EXPECT_EQ((*boris)->SendText(id, "hi").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ((*boris)->CloseConversation(id, "resolved").code(), absl::StatusCode::kPermissionDenied);

  // The same agent with a supervisor's token reads, but still does not write.
  auto lead = secured_.Agent("boris", SecuredBroker::Token("boris", Role::kSupervisor));
  ASSERT_TRUE(lead.ok()) << lead.status();
  auto history = (*lead)->History(id);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);
  EXPECT_EQ((*lead)->SendText(id, "hi").status().code(), absl::StatusCode::kPermissionDenied);
  (*lead)->Close();
  (*boris)->Close();
  alice->Close();
}

TEST_F(AgentAuthTest, ATransferGoesOnlyToATeamMateAndTakesTheAccessAlong) {
  auto alice = Available("alice");
  const std::string id = Assigned(*alice);
  ASSERT_FALSE(id.empty());
  const absl::Status to_billing = alice->TransferToAgent(id, "dana", "");
  EXPECT_EQ(to_billing.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(to_billing.message(), "dana is in no team of alice")) << to_billing;

  auto chen = Available("chen");
  ASSERT_TRUE(alice->TransferToAgent(id, "chen", "over to you").ok());
  EXPECT_EQ(alice->SendText(id, "still here").status().code(), absl::StatusCode::kPermissionDenied);
  auto handed = testing::NextOffer(*chen);
  ASSERT_TRUE(handed.has_value());
  ASSERT_TRUE(chen->Accept(handed->offer_id()).ok());
  EXPECT_TRUE(chen->SendText(id, "Chen here").ok());
  EXPECT_EQ(alice->History(id).status().code(), absl::StatusCode::kPermissionDenied);
  chen->Close();
  alice->Close();
}

// A console that only listens sends nothing the broker could check its token at: the broker ends
// its stream once the token expires all the same.
TEST(TokenExpiryTest, AnExpiredTokenEndsAStreamThatSendsNothing) {
  SecuredBroker secured([](app::BrokerConfig& config) { config.grpc_security.token_leeway = 0s; });
  const auto expires_at =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + 2s;
  testing::ConsoleStream alice(secured, "alice", SecuredBroker::Token("alice", Role::kAgent, 2s));
  ASSERT_EQ(alice.LoginCode(), 0);
  const grpc::Status ended = alice.Ended();
  EXPECT_GE(std::chrono::system_clock::now(), expires_at);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  EXPECT_TRUE(absl::StrContains(ended.error_message(), "expired")) << ended.error_message();
  EXPECT_EQ(secured.broker().metrics().auth_failure("expired")->value(), 1u);
  EXPECT_TRUE(testing::WaitFor([&] { return secured.broker().metrics().console_streams.value() == 0; }));
}

// Bad tokens from one address use up that address's budget of failures: its next calls are
// refused without their token checked (a good one too), while a client at another address
// (127.0.0.2, through a relay) is served and has a budget of its own.
TEST(FailedAuthLimitTest, AnAddressThatFailsTooOftenIsRefusedAndOthersAreNot) {
  SecuredBroker secured([](app::BrokerConfig& config) {
    config.grpc_security.failed_auth_limit = {.per_second = 0.01, .burst = 3};
  });
  const std::string direct = secured.broker().grpc_address();
  testing::TcpProxy elsewhere(std::stoi(direct.substr(direct.rfind(':') + 1)), "127.0.0.2");
  auto list_agents = [&](const std::string& target, const std::string& token) {
    auto admin = omnibroker::v1::Admin::NewStub(agent::AuthorizedChannel(target, secured.Credentials(), token));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    omnibroker::v1::ListAgentsResponse response;
    return admin->ListAgents(&context, {}, &response);
  };
  const std::string forged = SecuredBroker::Token("ops", Role::kAdmin, 1h, "not-the-brokers-secret-0123456789");
  const std::string good = SecuredBroker::Token("ops", Role::kAdmin);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(list_agents(direct, forged).error_code(), grpc::StatusCode::UNAUTHENTICATED) << i;
  }
  const grpc::Status throttled = list_agents(direct, forged);
  EXPECT_EQ(throttled.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << throttled.error_message();
  EXPECT_TRUE(absl::StrContains(throttled.error_message(), "too many failed authentications from ipv4:127.0.0.1; retry in"))
      << throttled.error_message();
  EXPECT_EQ(list_agents(direct, good).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  const grpc::Status other = list_agents(elsewhere.address(), good);
  EXPECT_TRUE(other.ok()) << other.error_message();
  EXPECT_EQ(list_agents(elsewhere.address(), forged).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(secured.broker().metrics().auth_throttled.value(), 2u);
  EXPECT_EQ(secured.broker().metrics().auth_failure("bad_signature")->value(), 4u);
}

TEST(AgentRateLimitTest, OverItsBudgetAnAgentIsToldWhenToRetry) {
  SecuredBroker secured([](app::BrokerConfig& config) {
    config.grpc_security.rate_limit = {.per_second = 0.01, .burst = 3};
  });
  auto alice = secured.Agent("alice", SecuredBroker::Token("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status();  // logging in takes nothing
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok()) << i;
  const absl::Status refused = (*alice)->SetPresence(omnibroker::v1::PRESENCE_BUSY);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(absl::StrContains(refused.message(), "agent alice: rate limit of 0.01 requests/s (burst 3)"))
      << refused;
  EXPECT_TRUE(absl::StrContains(refused.message(), "retry in")) << refused;
  EXPECT_EQ((*alice)->History("any").status().code(), absl::StatusCode::kResourceExhausted);
  auto& metrics = secured.broker().metrics();
  EXPECT_EQ(metrics.rate_limited(ops::RateLimitedCall::kConsoleRequest).value(), 1u);
  EXPECT_EQ(metrics.rate_limited(ops::RateLimitedCall::kHistory).value(), 1u);
  // Another agent has a budget of its own.
  auto boris = secured.Agent("boris", SecuredBroker::Token("boris"));
  ASSERT_TRUE(boris.ok()) << boris.status();
  EXPECT_TRUE((*boris)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  (*boris)->Close();
  (*alice)->Close();
}

}  // namespace
}  // namespace omni
