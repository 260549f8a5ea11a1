// The revocations the authenticator checks: by token id, by agent and issue time, and forgotten
// once they lapse.
#include "broker/auth/revocations.h"

#include <gtest/gtest.h>

#include "base/time_util.h"

namespace omni::auth {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + std::chrono::seconds(1'800'000'000);

omnibroker::v1::TokenRevocation OfToken(const std::string& token_id, TimePoint lapses_at) {
  omnibroker::v1::TokenRevocation r;
  r.set_token_id(token_id);
  *r.mutable_lapses_at() = ToProto(lapses_at);
  return r;
}

omnibroker::v1::TokenRevocation OfAgent(const std::string& agent_id, TimePoint issued_before,
                                        TimePoint lapses_at, const std::string& tenant = "acme") {
  omnibroker::v1::TokenRevocation r;
  r.set_tenant(tenant);
  r.set_agent_id(agent_id);
  *r.mutable_issued_before() = ToProto(issued_before);
  *r.mutable_lapses_at() = ToProto(lapses_at);
  return r;
}

TEST(RevocationsTest, OneTokenByItsIdWhoeverItNames) {
  Revocations revocations;
  revocations.Add(OfToken("tok_1", kNow + 24h), kNow);
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_1", kNow - 1h));
  EXPECT_TRUE(revocations.Revoked("acme", "boris", "tok_1", kNow));
  EXPECT_FALSE(revocations.Revoked("acme", "alice", "tok_2", kNow - 1h));
}

TEST(RevocationsTest, AnAgentsTokensIssuedBeforeTheCutoffAndNoneAfter) {
  Revocations revocations;
  revocations.Add(OfAgent("alice", kNow, kNow + 24h), kNow);
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_old", kNow - 1s));
  EXPECT_FALSE(revocations.Revoked("acme", "alice", "tok_new", kNow));
  EXPECT_FALSE(revocations.Revoked("acme", "boris", "tok_old", kNow - 1s));
  // A later revocation moves the cutoff on; an earlier one does not move it back.
  revocations.Add(OfAgent("alice", kNow + 1h, kNow + 25h), kNow);
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_new", kNow));
  revocations.Add(OfAgent("alice", kNow - 1h, kNow + 23h), kNow);
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_new", kNow));
  EXPECT_EQ(revocations.size(), 1u);
}

TEST(RevocationsTest, AnAgentsTokensOfTheirTenantOnly) {
  Revocations revocations;
  revocations.Add(OfAgent("alice", kNow, kNow + 24h, "acme"), kNow);
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_old", kNow - 1s));
  EXPECT_FALSE(revocations.Revoked("globex", "alice", "tok_old", kNow - 1s))
      << "globex's alice is another agent";
}

TEST(RevocationsTest, ATokenByItsIdInWhicheverTenant) {
  Revocations revocations;
  omnibroker::v1::TokenRevocation of_token = OfToken("tok_1", kNow + 24h);
  of_token.set_tenant("acme");
  revocations.Add(of_token, kNow);
  EXPECT_TRUE(revocations.Revoked("globex", "alice", "tok_1", kNow - 1h));
  EXPECT_TRUE(revocations.Revoked("*", "olga", "tok_1", kNow - 1h)) << "an operator's token too";
}

TEST(RevocationsTest, LapsedOnesAreForgotten) {
  Revocations revocations;
  revocations.Add(OfToken("tok_1", kNow + 1h), kNow);
  revocations.Add(OfAgent("alice", kNow, kNow + 1h), kNow);
  revocations.Add(OfToken("tok_lapsed", kNow), kNow);  // lapsed already: not kept
  EXPECT_EQ(revocations.size(), 2u);
  revocations.Add(OfToken("tok_2", kNow + 3h), kNow + 2h);
  EXPECT_EQ(revocations.size(), 1u);
  EXPECT_FALSE(revocations.Revoked("acme", "alice", "tok_1", kNow - 1s));
  EXPECT_TRUE(revocations.Revoked("acme", "alice", "tok_2", kNow));
}

}  // namespace
}  // namespace omni::auth
