// Backup and restore, as docs/operations.md tells an operator: Admin Backup takes a consistent
// copy while the broker runs; a broker started on a data directory holding that copy has
// everything acknowledged before the backup, and nothing after it.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "broker/partitions/partitions.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using omni::testing::TempDir;
namespace fs = std::filesystem;

grpc::Status Backup(app::BrokerApp& broker, const std::string& dir, omnibroker::v1::BackupResult& result) {
  auto admin = omnibroker::v1::Admin::NewStub(grpc::CreateChannel(broker.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  omnibroker::v1::BackupRequest request;
  request.set_target_dir(dir);
  return admin->Backup(&context, request, &result);
}

std::vector<omnibroker::v1::Conversation> Open(app::BrokerApp& broker) {
  auto admin = omnibroker::v1::Admin::NewStub(grpc::CreateChannel(broker.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  omnibroker::v1::ListConversationsResponse out;
  EXPECT_TRUE(admin->ListConversations(&context, {}, &out).ok());
  return {out.conversations().begin(), out.conversations().end()};
}

TEST(BackupRestoreTest, ARestoredBrokerHasEverythingBeforeTheBackup) {
  TempDir dir;
  const fs::path backup = dir.path() / "backup-1";
  {
    app::BrokerApp broker(testing::TestConfig(dir.path() / "live"));
    ASSERT_OK(broker.Start());
    testing::Visitor ann(testing::WebChatPort(broker));
    ann.Register("Ann");
    ASSERT_EQ(ann.Say("before the backup 1").first, 202);
    ASSERT_EQ(ann.Say("before the backup 2").first, 202);
    omnibroker::v1::BackupResult result;
    ASSERT_TRUE(Backup(broker, backup.string(), result).ok());
    EXPECT_GT(result.sequence(), 0u);
    ASSERT_EQ(result.partitions_size(), 1) << "one tenant: one partition";
    EXPECT_EQ(result.partitions(0).target_dir(),
              partitions::Partitions::Dir(backup, partitions::PartitionMap{}.Of("default")).string());
    EXPECT_EQ(Backup(broker, backup.string(), result).error_code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_EQ(Backup(broker, "relative/dir", result).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    ASSERT_EQ(ann.Say("after the backup").first, 202);
    ASSERT_EQ(Open(broker)[0].last_sequence(), 3u);
  }

  // Restore: the backup, laid out as a data directory, is the new broker's.
  const fs::path restored = dir.path() / "restored";
  fs::copy(backup, restored, fs::copy_options::recursive);
  app::BrokerApp broker(testing::TestConfig(restored));
  ASSERT_OK(broker.Start());
  const auto conversations = Open(broker);
  ASSERT_EQ(conversations.size(), 1u);
  EXPECT_EQ(conversations[0].last_sequence(), 2u) << "the copy holds what was acknowledged before it";
}

}  // namespace
}  // namespace omni
