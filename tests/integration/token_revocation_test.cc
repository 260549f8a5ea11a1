// Revoking agent tokens against a real broker (mTLS, tokens): a revoked token is refused on every
// call and its open stream ends, an agent's revocation covers every token issued until it, the
// revocations outlive a restart, and they are dropped once they lapse.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "base/time_util.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/secured_broker.h"

namespace omni {
namespace {

using auth::Role;
using testing::ConsoleStream;
using testing::SecuredBroker;
using namespace std::chrono_literals;

// Admin.RevokeTokens as `admin_token`'s agent: of one token (`token_id`) or of an agent's.
absl::StatusOr<omnibroker::v1::TokenRevocation> Revoke(
    SecuredBroker& secured, const std::string& token_id, const std::string& agent_id,
    const std::string& reason = "laptop lost, ticket #88",
    const std::string& admin_token = SecuredBroker::Token("ops", Role::kAdmin)) {
  grpc::ClientContext context;
  omnibroker::v1::RevokeTokensRequest request;
  request.set_token_id(token_id);
  request.set_agent_id(agent_id);
  request.set_requested_by("somebody else");  // a claim the token does not back
  request.set_reason(reason);
  omnibroker::v1::TokenRevocation revocation;
  const grpc::Status status =
      secured.Admin(admin_token)->RevokeTokens(&context, request, &revocation);
  if (!status.ok())
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
  return revocation;
}

omnibroker::v1::ListRevocationsResponse Revocations(SecuredBroker& secured) {
  grpc::ClientContext context;
  omnibroker::v1::ListRevocationsResponse out;
  EXPECT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->ListRevocations(&context, {}, &out)
                  .ok());
  return out;
}

// An Admin call (supervisor or above) with `token`.
grpc::Status ListAgents(SecuredBroker& secured, const std::string& token) {
  grpc::ClientContext context;
  omnibroker::v1::ListAgentsResponse response;
  return secured.Admin(token)->ListAgents(&context, {}, &response);
}

TEST(TokenRevocationTest, ARevokedTokenIsRefusedAndItsOpenStreamEnds) {
  SecuredBroker secured;
  const std::string lost = SecuredBroker::Token("alice");
  const std::string other = SecuredBroker::Token("alice");
  ConsoleStream open(secured, "alice", lost);
  ASSERT_EQ(open.LoginCode(), 0);

  auto revoked = Revoke(secured, SecuredBroker::TokenId(lost), "");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->token_id(), SecuredBroker::TokenId(lost));
  EXPECT_EQ(revoked->requested_by(), "ops");
  EXPECT_FALSE(revoked->audit_id().empty());
  // Kept while a token issued before it may still be valid: the maximum lifetime and the leeway.
  EXPECT_EQ(FromProto(revoked->lapses_at()) - FromProto(revoked->revoked_at()),
            auth::kDefaultMaxTokenLifetime + 120s);

  const grpc::Status ended = open.Ended();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ended.error_message();
  EXPECT_TRUE(absl::StrContains(ended.error_message(), "revoked")) << ended.error_message();
  const grpc::Status again = ConsoleStream(secured, "alice", lost).Ended();
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(again.error_message(), "agent token: revoked; ask an admin for a new one");
  EXPECT_EQ(ConsoleStream(secured, "alice", other).LoginCode(), 0)
      << "another token of hers is not revoked";
  EXPECT_EQ(secured.broker().metrics().auth_failure("revoked")->value(), 2u);

  grpc::ClientContext context;
  omnibroker::v1::ListAuditResponse trail;
  ASSERT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->ListAudit(&context, {}, &trail)
                  .ok());
  ASSERT_EQ(trail.records_size(), 1);
  EXPECT_EQ(trail.records(0).id(), revoked->audit_id());
  EXPECT_EQ(trail.records(0).action(), "revoke_tokens");
  EXPECT_EQ(trail.records(0).subjects(0), SecuredBroker::TokenId(lost));
  EXPECT_EQ(trail.records(0).requested_by(), "ops");
  EXPECT_EQ(trail.records(0).reason(), "laptop lost, ticket #88");
}

TEST(TokenRevocationTest, AnAgentsRevocationCoversEveryTokenIssuedUntilItAndNoneAfter) {
  SecuredBroker secured;
  const std::string as_agent = SecuredBroker::Token("sofia");
  const std::string as_supervisor = SecuredBroker::Token("sofia", Role::kSupervisor);
  ASSERT_TRUE(ListAgents(secured, as_supervisor).ok());

  auto revoked = Revoke(secured, "", "sofia");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->agent_id(), "sofia");
  EXPECT_GT(FromProto(revoked->issued_before()), FromProto(revoked->revoked_at()));
  EXPECT_EQ(ListAgents(secured, as_supervisor).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ConsoleStream(secured, "sofia", as_agent).Ended().error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(ListAgents(secured, SecuredBroker::Token("chen", Role::kSupervisor)).ok())
      << "others keep theirs";
  // The one minted for her afterwards works.
  const std::string fresh =
      SecuredBroker::TokenIssuedAt("sofia", FromProto(revoked->issued_before()), Role::kSupervisor);
  EXPECT_TRUE(ListAgents(secured, fresh).ok());
}

TEST(TokenRevocationTest, RevocationsOutliveARestart) {
  SecuredBroker secured;
  const std::string lost = SecuredBroker::Token("ops", Role::kSupervisor);
  ASSERT_TRUE(Revoke(secured, SecuredBroker::TokenId(lost), "").ok());
  ASSERT_TRUE(Revoke(secured, "", "sofia").ok());
  secured.Restart();
  EXPECT_EQ(ListAgents(secured, lost).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  const auto kept = Revocations(secured);
  ASSERT_EQ(kept.revocations_size(), 2);
  EXPECT_EQ(kept.revocations(0).token_id(), SecuredBroker::TokenId(lost));
  EXPECT_EQ(kept.revocations(1).agent_id(), "sofia");
}

TEST(TokenRevocationTest, ARevocationNamesOneTokenOrOneAgentAndSaysWhy) {
  SecuredBroker secured;
  EXPECT_EQ(Revoke(secured, "", "").status().code(), absl::StatusCode::kInvalidArgument);
  const auto both = Revoke(secured, "tok_1", "alice");
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(both.status().message(), "give exactly one")) << both.status();
  const auto no_reason = Revoke(secured, "tok_1", "", "");
  EXPECT_EQ(no_reason.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(no_reason.status().message(), "who asked and why"))
      << no_reason.status();
  const auto supervisor =
      Revoke(secured, "tok_1", "", "why", SecuredBroker::Token("sofia", Role::kSupervisor));
  EXPECT_EQ(supervisor.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Revocations(secured).revocations_size(), 0);
}

// On the broker's clock, a revocation lapses once every token it names has expired anyway: it is
// no longer listed, and the retention sweep drops it from the store.
TEST(TokenRevocationTest, ALapsedRevocationIsDropped) {
  FakeClock clock(SystemClock::Get().Now());
  SecuredBroker secured(
      [](app::BrokerConfig& config) { config.grpc_security.token_max_lifetime = 1h; }, clock);
  const std::string admin = SecuredBroker::TokenIssuedAt("ops", clock.Now(), Role::kAdmin, 1h);
  auto revoked = Revoke(secured, "tok_lost", "", "why", admin);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(FromProto(revoked->lapses_at()), clock.Now() + 1h + 120s);
  auto sweep = [&] {
    grpc::ClientContext context;
    omnibroker::v1::RetentionResult result;
    // The sweep spans every tenant: the platform operator's.
    const std::string token = SecuredBroker::TokenIssuedAt("ops", clock.Now(), Role::kOperator, 1h);
    const grpc::Status swept = secured.Admin(token)->SweepRetention(&context, {}, &result);
    EXPECT_TRUE(swept.ok()) << swept.error_message();
    return result.revocations_dropped();
  };
  EXPECT_EQ(sweep(), 0);
  clock.Advance(1h + 119s);
  EXPECT_EQ(sweep(), 0);
  clock.Advance(1s);
  EXPECT_EQ(sweep(), 1);
  EXPECT_EQ(sweep(), 0);
  grpc::ClientContext context;
  omnibroker::v1::ListRevocationsResponse left;
  ASSERT_TRUE(secured.Admin(SecuredBroker::TokenIssuedAt("ops", clock.Now(), Role::kAdmin, 1h))
                  ->ListRevocations(&context, {}, &left)
                  .ok());
  EXPECT_EQ(left.revocations_size(), 0);
}

}  // namespace
}  // namespace omni
