// Admin's changes outlive a power cut once they are answered: a change is answered only after the
// write-ahead log that holds it is synced (by the group commit). The broker runs on the power-loss
// file system; after each answered change the test copies its store as a power cut at that moment
// would leave it, and a broker started on the copy has the change. A change met by a write fault
// is answered UNAVAILABLE at once, not held until the disk has room again.
#include <gtest/gtest.h>

#include "broker/partitions/partitions.h"
#include "tests/support/admin_page.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::AdminGet;
using omni::testing::PowerLossFileSystem;
using omni::testing::WaitFor;

// The default tenant's store in a data directory.
std::filesystem::path StoreDir(const std::filesystem::path& data_dir) {
  return partitions::Partitions::Dir(data_dir, partitions::PartitionMap{}.Of("default"));
}

class AdminDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::BrokerConfig config = testing::TestConfig(dir_.path() / "live", ingest_);
    config.store_env = env_.get();
    broker_ = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker_->Start());
    admin_ = std::make_unique<testing::AdminClient>(broker_->grpc_address());
  }

  // A broker started on what a power cut now would leave of the live broker's store.
  std::unique_ptr<app::BrokerApp> AfterPowerCut(const std::string& name) {
    const auto live = StoreDir(dir_.path() / "live");
    const auto cut = fs_->Cut(live);
    PowerLossFileSystem::CopyAfterCut(cut, live, StoreDir(dir_.path() / name));
    auto broker = std::make_unique<app::BrokerApp>(testing::TestConfig(dir_.path() / name));
    EXPECT_OK(broker->Start());
    return broker;
  }

  grpc::Status Upsert(const omnibroker::v1::Agent& agent) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 10s);
    omnibroker::v1::UpsertAgentRequest request;
    *request.mutable_agent() = agent;
    omnibroker::v1::Agent stored;
    return (*admin_)->UpsertAgent(&context, request, &stored);
  }

  static omnibroker::v1::Agent Dana() {
    omnibroker::v1::Agent dana;
    dana.set_id("dana");
    dana.set_display_name("Dana");
    auto* skill = dana.add_skills();
    skill->set_name("billing");
    skill->set_proficiency(7);
    return dana;
  }

  static bool HasAgent(app::BrokerApp& broker, const std::string& id) {
    testing::AdminClient admin(broker.grpc_address());
    grpc::ClientContext context;
    omnibroker::v1::ListAgentsResponse agents;
    EXPECT_TRUE(admin->ListAgents(&context, {}, &agents).ok());
    for (const auto& status : agents.agents()) {
      if (status.agent().id() == id) return true;
    }
    return false;
  }

  static int64_t VipFirstResponseSeconds(app::BrokerApp& broker) {
    testing::AdminClient admin(broker.grpc_address());
    grpc::ClientContext context;
    omnibroker::v1::RoutingPolicy policy;
    EXPECT_TRUE(admin->GetRoutingPolicy(&context, {}, &policy).ok());
    for (const auto& tier : policy.tiers()) {
      if (tier.tier() == omnibroker::v1::TIER_VIP) return tier.first_response().seconds();
    }
    return -1;
  }

  testing::TempDir dir_;
  const std::string ingest_ = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  std::shared_ptr<PowerLossFileSystem> fs_ = std::make_shared<PowerLossFileSystem>();
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(fs_);
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::AdminClient> admin_;
};

TEST_F(AdminDurabilityTest, AnAnsweredChangeOutlivesAPowerCut) {
  // A customer to change, stored (and synced) with the event that made them.
  testing::IngestPublisher publisher(ingest_);
  const auto ack = publisher.Publish(testing::MessageFrom("e-1", "messenger", "ann", "Hello"));
  ASSERT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
  const std::string customer_id = admin_->Conversation(ack.conversation_id()).customer_id();

  ASSERT_TRUE(Upsert(Dana()).ok());
  EXPECT_TRUE(HasAgent(*AfterPowerCut("after-upsert"), "dana"));

  {
    grpc::ClientContext context;
    omnibroker::v1::SetRoutingPolicyRequest request;
    auto* vip = request.mutable_policy()->add_tiers();
    vip->set_tier(omnibroker::v1::TIER_VIP);
    vip->mutable_first_response()->set_seconds(42);
    omnibroker::v1::RoutingPolicy policy;
    ASSERT_TRUE((*admin_)->SetRoutingPolicy(&context, request, &policy).ok());
  }
  EXPECT_EQ(VipFirstResponseSeconds(*AfterPowerCut("after-policy")), 42);

  {
    grpc::ClientContext context;
    omnibroker::v1::UpdateCustomerRequest request;
    request.set_customer_id(customer_id);
    request.set_tier(omnibroker::v1::TIER_VIP);
    omnibroker::v1::Customer customer;
    ASSERT_TRUE((*admin_)->UpdateCustomer(&context, request, &customer).ok());
  }
  {
    auto after = AfterPowerCut("after-customer");
    EXPECT_EQ(testing::AdminClient(after->grpc_address()).Customer(customer_id).tier(),
              omnibroker::v1::TIER_VIP);
  }

  {
    grpc::ClientContext context;
    omnibroker::v1::EraseCustomerRequest request;
    request.set_customer_id(customer_id);
    request.set_requested_by("sofia");
    request.set_reason("asked to be forgotten");
    omnibroker::v1::AuditRecord audit;
    ASSERT_TRUE((*admin_)->EraseCustomer(&context, request, &audit).ok());
  }
  {
    auto after = AfterPowerCut("after-erasure");
    testing::AdminClient admin(after->grpc_address());
    grpc::ClientContext context;
    omnibroker::v1::GetCustomerRequest request;
    request.set_customer_id(customer_id);
    omnibroker::v1::Customer customer;
    EXPECT_EQ(admin->GetCustomer(&context, request, &customer).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }

  {
    grpc::ClientContext context;
    omnibroker::v1::RemoveAgentRequest request;
    request.set_agent_id("dana");
    request.set_requested_by("sofia");
    request.set_reason("left the company");
    omnibroker::v1::AuditRecord audit;
    ASSERT_TRUE((*admin_)->RemoveAgent(&context, request, &audit).ok());
  }
  EXPECT_FALSE(HasAgent(*AfterPowerCut("after-removal"), "dana"));
}

// The sync of a change fails (a disk whose write-back meets a full disk at fsync): the change is
// answered UNAVAILABLE with the cause, at once; once the disk takes writes again, the broker is
// ready and the change, sent again, is answered OK.
TEST_F(AdminDurabilityTest, AChangeWhoseSyncFailsIsAnsweredUnavailableAtOnce) {
  fs_->FailSyncs(true);
  const auto started = std::chrono::steady_clock::now();
  const grpc::Status refused = Upsert(Dana());
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_NE(refused.error_message().find("No space left on device"), std::string::npos)
      << refused.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const std::string admin_http = broker_->admin_address();
  EXPECT_EQ(AdminGet(admin_http, "/readyz").first, 503);

  fs_->FailSyncs(false);
  ASSERT_TRUE(WaitFor([&] { return AdminGet(admin_http, "/readyz").first == 200; }, 30s));
  ASSERT_TRUE(Upsert(Dana()).ok());
  EXPECT_TRUE(HasAgent(*AfterPowerCut("after-recovery"), "dana"));
}

}  // namespace
}  // namespace omni
