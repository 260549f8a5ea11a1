// The tenant a call acts for, as the authenticator decides it from the call's metadata: the
// token's own, an operator's named per call, a dev-mode caller's choice or the default; and
// revocations of an agent that reach their own tenant only.
#include "broker/auth/call_auth.h"

#include <grpcpp/test/server_context_test_spouse.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "base/tenant_name.h"

namespace omni::auth {
namespace {

using namespace std::chrono_literals;

constexpr char kSecret[] = "call-auth-test-secret-0123456789abcdef";

class CallAuthTest : public ::testing::Test {
 protected:
  // A token of `agent_id` of `tenant`, issued now.
  std::string Token(const std::string& agent_id, const std::string& tenant,
                    Role role = Role::kAgent) {
    return MintAgentToken(NewAgentClaims(agent_id, tenant, role, clock_.Now(), 1h), kSecret);
  }

  // The caller of a call with this metadata ("" = not sent).
  absl::StatusOr<Caller> Authenticate(CallAuthenticator& auth, const std::string& token,
                                      const std::string& tenant = "") {
    grpc::ServerContext context;
    grpc::testing::ServerContextTestSpouse spouse(&context);
    if (!token.empty()) spouse.AddClientMetadata(kAuthorizationMetadata, "Bearer " + token);
    if (!tenant.empty()) spouse.AddClientMetadata(kTenantMetadata, tenant);
    return auth.Authenticate(context);
  }

  FakeClock clock_;
  ops::BrokerMetrics metrics_;
  CallAuthenticator enforcing_{
      {.token_secret = kSecret, .default_tenant = "default"}, clock_, metrics_};
  CallAuthenticator dev_mode_{{.default_tenant = "acme"}, clock_, metrics_};
};

TEST_F(CallAuthTest, AnAgentActsForTheTenantOfTheirToken) {
  auto caller = Authenticate(enforcing_, Token("alice", "acme"));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "acme");
  auto repeated = Authenticate(enforcing_, Token("alice", "acme"), "acme");
  ASSERT_TRUE(repeated.ok()) << repeated.status();
  EXPECT_EQ(repeated->tenant, "acme");
}

TEST_F(CallAuthTest, AnAgentNamingAnotherTenantIsRefused) {
  for (Role role : {Role::kAgent, Role::kSupervisor, Role::kAdmin}) {
    auto caller = Authenticate(enforcing_, Token("alice", "acme", role), "globex");
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kPermissionDenied) << RoleName(role);
    EXPECT_TRUE(absl::StrContains(caller.status().message(),
                                  "x-omni-tenant 'globex' is not the token's tenant 'acme'"))
        << caller.status();
  }
}

TEST_F(CallAuthTest, AnOperatorActsForTheTenantTheCallNames) {
  const std::string olga = Token("olga", std::string(kAnyTenant), Role::kOperator);
  auto acme = Authenticate(enforcing_, olga, "acme");
  ASSERT_TRUE(acme.ok()) << acme.status();
  EXPECT_EQ(acme->tenant, "acme");
  EXPECT_EQ(acme->role, Role::kOperator);
  EXPECT_TRUE(enforcing_.Require(*acme, Role::kAdmin, "Admin.RemoveAgent").ok())
      << "an operator may do what an admin may";
  auto globex = Authenticate(enforcing_, olga, "globex");
  ASSERT_TRUE(globex.ok()) << globex.status();
  EXPECT_EQ(globex->tenant, "globex");
}

// A quality reviewer reads what an agent may (and the review queue), not what a supervisor may;
// scoring is theirs alone: no role above theirs scores.
TEST_F(CallAuthTest, ScoringIsTheQualityRolesAlone) {
  auto quinn = Authenticate(enforcing_, Token("quinn", "acme", Role::kQuality));
  ASSERT_TRUE(quinn.ok()) << quinn.status();
  EXPECT_EQ(quinn->role, Role::kQuality);
  EXPECT_TRUE(enforcing_.RequireExactly(*quinn, Role::kQuality, "Admin.ScoreReview").ok());
  EXPECT_EQ(enforcing_.Require(*quinn, Role::kSupervisor, "Admin.ListAgents").code(),
            absl::StatusCode::kPermissionDenied);
  for (Role role : {Role::kAgent, Role::kSupervisor, Role::kAdmin}) {
    auto caller = Authenticate(enforcing_, Token("sofia", "acme", role));
    ASSERT_TRUE(caller.ok()) << caller.status();
    const absl::Status refused = enforcing_.RequireExactly(*caller, Role::kQuality, "Admin.ScoreReview");
    EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied) << RoleName(role);
    EXPECT_EQ(refused.message(),
              "Admin.ScoreReview is for role quality alone; sofia has role " + std::string(RoleName(role)));
  }
  auto dev = Authenticate(dev_mode_, "");
  ASSERT_TRUE(dev.ok());
  EXPECT_TRUE(dev_mode_.RequireExactly(*dev, Role::kQuality, "Admin.ScoreReview").ok()) << "dev mode trusts callers";
}

TEST_F(CallAuthTest, AnOperatorNamingNoTenantActsForNone) {
  auto caller = Authenticate(enforcing_, Token("olga", std::string(kAnyTenant), Role::kOperator));
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->tenant, "");
  // Fine for a call spanning every tenant; refused by every other.
  const absl::Status refused = RequireTenant(*caller);
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message(), "x-omni-tenant: an operator names the tenant the call acts for");
  auto named = Authenticate(enforcing_, Token("olga", std::string(kAnyTenant), Role::kOperator), "acme");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_TRUE(RequireTenant(*named).ok());
}

TEST_F(CallAuthTest, AnOperatorNamingNoTenantNameIsRefused) {
  const std::string olga = Token("olga", std::string(kAnyTenant), Role::kOperator);
  for (const std::string& named :
       std::vector<std::string>{"*", "Acme", "acme/eu", std::string(65, 'a')}) {
    auto caller = Authenticate(enforcing_, olga, named);
    EXPECT_EQ(caller.status().code(), absl::StatusCode::kInvalidArgument) << named;
    EXPECT_TRUE(absl::StartsWith(caller.status().message(), "x-omni-tenant: '")) << caller.status();
  }
}

TEST_F(CallAuthTest, DevModeTakesTheNamedTenantElseTheDefault) {
  auto unnamed = Authenticate(dev_mode_, "");
  ASSERT_TRUE(unnamed.ok()) << unnamed.status();
  EXPECT_EQ(unnamed->tenant, "acme");
  EXPECT_FALSE(unnamed->verified);
  auto named = Authenticate(dev_mode_, "", "globex");
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->tenant, "globex");
  auto malformed = Authenticate(dev_mode_, "", "Globex");
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(malformed.status().message(), "x-omni-tenant: 'Globex'"))
      << malformed.status();
}

TEST_F(CallAuthTest, RevokingAnAgentOfOneTenantLeavesTheSameIdInAnotherValid) {
  const std::string alice_of_acme = Token("alice", "acme");
  const std::string alice_of_globex = Token("alice", "globex");
  auto globex_caller = Authenticate(enforcing_, alice_of_globex);
  ASSERT_TRUE(globex_caller.ok()) << globex_caller.status();
  auto revocation = enforcing_.NewRevocation("", "alice", "acme");
  ASSERT_TRUE(revocation.ok()) << revocation.status();
  EXPECT_EQ(revocation->tenant(), "acme");
  enforcing_.Revoke(*revocation);
  EXPECT_EQ(Authenticate(enforcing_, alice_of_acme).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(Authenticate(enforcing_, alice_of_globex).ok());
  EXPECT_TRUE(enforcing_.StillValid(*globex_caller).ok()) << "an open stream of globex's alice";
}

TEST_F(CallAuthTest, ARevocationNamesAValidTenant) {
  for (const std::string tenant : {"", "*", "Acme"}) {
    auto revocation = enforcing_.NewRevocation("", "alice", tenant);
    EXPECT_EQ(revocation.status().code(), absl::StatusCode::kInvalidArgument) << tenant;
    EXPECT_TRUE(absl::StartsWith(revocation.status().message(), "tenant: ")) << revocation.status();
  }
}

TEST_F(CallAuthTest, AnOperatorsTokenIsRevokedByItsIdNotByAnotherTenantsAgent) {
  const TimePoint minted = clock_.Now();
  const AgentClaims claims =
      NewAgentClaims("olga", std::string(kAnyTenant), Role::kOperator, minted, 1h);
  const std::string olga = MintAgentToken(claims, kSecret);
  enforcing_.Revoke(enforcing_.NewRevocation("", "olga", "acme").value());
  EXPECT_TRUE(Authenticate(enforcing_, olga, "acme").ok())
      << "acme's admin revokes acme's agents, not the platform's operator";
  enforcing_.Revoke(enforcing_.NewRevocation(claims.token_id, "", "acme").value());
  EXPECT_EQ(Authenticate(enforcing_, olga, "acme").status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace omni::auth
