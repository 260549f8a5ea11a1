// A store written by the release before tenants opens under the broker's default tenant: the
// roster Admin built, an agent Admin removed, Admin's routing policy change, an agent's and a
// token's revocation, each stored with keys and records that named no tenant, are the default
// tenant's after the first start, and only its.
#include <gtest/gtest.h>

#include <set>

#include "broker/partitions/partitions.h"
#include "base/time_util.h"
#include "broker/routing/policy_proto.h"
#include "broker/store/store.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"

namespace omni {
namespace {

using store::Family;

// The records as the previous release wrote them (their key layout is spelled out here on
// purpose: it is the format of stores in the field, not a function of today's code).
void WritePreTenantStore(const std::filesystem::path& dir) {
  auto store = store::Store::Open({.dir = dir});
  ASSERT_TRUE(store.ok()) << store.status();
  rocksdb::WriteBatch batch;
  omnibroker::v1::Agent zoe = app::DefaultConfig().agents[0];
  zoe.set_id("zoe");
  zoe.set_display_name("Zoe, added by Admin");
  (*store)->Put(batch, Family::kAgents, "zoe", zoe);
  omnibroker::v1::AuditRecord removal;
  removal.set_action("remove_agent");
  removal.add_subjects("chen");
  removal.set_requested_by("ops");
  removal.set_reason("left the company");
  (*store)->Put(batch, Family::kMeta, std::string("removed_agent\0chen", 18), removal);
  omnibroker::v1::StoredRoutingPolicy policy;
  *policy.mutable_config_file() = routing::PolicyToProto(app::DefaultConfig().routing);
  *policy.mutable_in_force() = routing::PolicyToProto(app::DefaultConfig().routing);
  policy.mutable_in_force()->mutable_offer_timeout()->set_seconds(42);
  (*policy.mutable_changed_at()) = ToProto(SystemClock::Get().Now());
  (*store)->Put(batch, Family::kMeta, "routing_policy", policy);
  omnibroker::v1::TokenRevocation revocation;
  revocation.set_agent_id("boris");
  *revocation.mutable_issued_before() = ToProto(SystemClock::Get().Now());
  *revocation.mutable_revoked_at() = revocation.issued_before();
  *revocation.mutable_lapses_at() = ToProto(SystemClock::Get().Now() + std::chrono::hours(24));
  revocation.set_requested_by("ops");
  revocation.set_reason("lost laptop");
  (*store)->Put(batch, Family::kMeta, std::string("revocation\0agent\0boris", 22), revocation);
  // One token's revocation: its key never named a tenant, its record did not either.
  revocation.clear_agent_id();
  revocation.set_token_id("tok_old");
  (*store)->Put(batch, Family::kMeta, std::string("revocation\0token\0tok_old", 24), revocation);
  ASSERT_TRUE((*store)->Write(batch).ok());
}

std::set<std::string> Roster(testing::AdminClient& admin, const std::string& tenant) {
  grpc::ClientContext context;
  context.AddMetadata("x-omni-tenant", tenant);
  omnibroker::v1::ListAgentsResponse response;
  const grpc::Status listed = admin->ListAgents(&context, {}, &response);
  EXPECT_TRUE(listed.ok()) << listed.error_message();
  std::set<std::string> ids;
  for (const auto& status : response.agents()) {
    EXPECT_EQ(status.agent().tenant(), tenant);
    ids.insert(status.agent().id());
  }
  return ids;
}

TEST(TenantMigrationTest, ARecordWrittenBeforeTenantsIsTheDefaultTenants) {
  testing::TempDir dir;
  WritePreTenantStore(dir.path() / "store");
  app::BrokerConfig config = testing::TestConfig(dir.path());
  config.tenants.push_back(app::TenantConfig{.name = "globex", .agents = config.agents});
  for (int start = 0; start < 2; ++start) {  // the second start finds nothing left to move
    SCOPED_TRACE(start == 0 ? "first start" : "second start");
    app::BrokerApp broker(config);
    ASSERT_TRUE(broker.Start().ok());
    testing::AdminClient admin(broker.grpc_address());
    // The store from before partitions is the default tenant's partition now.
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "store"));
    EXPECT_TRUE(std::filesystem::exists(
        partitions::Partitions::Dir(dir.path(), config.partitions.Of("default"))));

    const std::set<std::string> ours = Roster(admin, "default");
    EXPECT_TRUE(ours.contains("zoe"));
    EXPECT_FALSE(ours.contains("chen")) << "Admin's removal is still the default tenant's";
    const std::set<std::string> theirs = Roster(admin, "globex");
    EXPECT_FALSE(theirs.contains("zoe"));
    EXPECT_TRUE(theirs.contains("chen"));

    for (const std::string tenant : {"default", "globex"}) {
      grpc::ClientContext context;
      context.AddMetadata("x-omni-tenant", tenant);
      omnibroker::v1::RoutingPolicy policy;
      ASSERT_TRUE(admin->GetRoutingPolicy(&context, {}, &policy).ok());
      EXPECT_EQ(policy.offer_timeout().seconds() == 42, tenant == "default") << tenant;

      grpc::ClientContext listing;
      listing.AddMetadata("x-omni-tenant", tenant);
      omnibroker::v1::ListRevocationsResponse revocations;
      ASSERT_TRUE(admin->ListRevocations(&listing, {}, &revocations).ok());
      EXPECT_EQ(revocations.revocations_size(), tenant == "default" ? 2 : 0) << tenant;
      for (const auto& r : revocations.revocations()) EXPECT_EQ(r.tenant(), "default");
    }
  }
}

}  // namespace
}  // namespace omni
