// A full disk under a running broker. While its store cannot write, the broker says so (/readyz
// 503 with the cause, omni_store_write_fault 1), answers connectors RETRY_LATER (they keep the
// event and resend it) and agents UNAVAILABLE; once the disk takes writes again it recovers by
// itself: ready again, and the events published meanwhile stored and acknowledged (only then).
// First with the power-loss file system's switch in-process, then with the real binary on a
// small tmpfs that fills up (skipped where mounting is refused).
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "tests/support/admin_page.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/power_loss_fs.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::AdminGet;
using omni::testing::MetricSample;
using omni::testing::WaitFor;
using omnibroker::v1::INGEST_STATUS_ACCEPTED;

constexpr char kFaultGauge[] = "omni_store_write_fault";
constexpr char kRetryLater[] = R"(omni_ingest_acks_total{status="retry_later"})";

double Metric(const std::string& admin, const std::string& series) {
  return MetricSample(AdminGet(admin, "/metrics").second, series);
}

TEST(DiskFullTest, TheBrokerIsNotReadyRefusesWritesAndRecoversWithNothingLost) {
  testing::TempDir dir;
  auto fs = std::make_shared<testing::PowerLossFileSystem>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerConfig config = testing::TestConfig(dir.path(), ingest);
  config.store_env = env.get();
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  const std::string admin = broker.admin_address();
  testing::IngestPublisher publisher(ingest);

  const auto first = publisher.Publish(testing::MessageFrom("e-1", "messenger", "ann", "Hello"));
  ASSERT_EQ(first.status(), INGEST_STATUS_ACCEPTED) << first.reason();
  auto alice = testing::AvailableAgent(broker, "alice");
  const auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(AdminGet(admin, "/readyz").first, 200);
  EXPECT_EQ(Metric(admin, kFaultGauge), 0);

  fs->FailWrites(true);
  auto during = publisher.Send(testing::MessageFrom("e-2", "messenger", "bob", "Are you there?"));
  ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 503; }));
  const std::string why = AdminGet(admin, "/readyz").second;
  EXPECT_NE(why.find("No space left on device"), std::string::npos) << why;
  EXPECT_EQ(Metric(admin, kFaultGauge), 1);
  // The connector was told to retry later; an agent's write is UNAVAILABLE.
  EXPECT_TRUE(WaitFor([&] { return Metric(admin, kRetryLater) >= 1; }));
  const auto accepted = alice->Accept(offer->offer_id());
  EXPECT_EQ(accepted.status().code(), absl::StatusCode::kUnavailable) << accepted.status();
  // Nothing is acknowledged while nothing can be stored (the resends meet the fault too).
  EXPECT_TRUE(WaitFor([&] { return Metric(admin, kRetryLater) >= 2; }));
  EXPECT_EQ(during.wait_for(0s), std::future_status::timeout);

  fs->FailWrites(false);
  ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 200; }, 30s))
      << AdminGet(admin, "/readyz").second;
  EXPECT_EQ(Metric(admin, kFaultGauge), 0);
  ASSERT_EQ(during.wait_for(15s), std::future_status::ready);
  const auto stored = during.get();
  EXPECT_EQ(stored.status(), INGEST_STATUS_ACCEPTED) << stored.reason();
  testing::AdminClient admin_client(broker.grpc_address());
  const auto history =
      admin_client.CustomerHistory(admin_client.Conversation(stored.conversation_id()).customer_id());
  ASSERT_EQ(history.events_size(), 1);
  EXPECT_EQ(history.events(0).content().text(), "Are you there?");
  // Agents write again: the conversation the failed accept left waiting is offered again.
  const auto again = testing::NextOffer(*alice);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(alice->Accept(again->offer_id()).ok());
}

// A tmpfs of a few MiB, unmounted (and its directory removed) on destruction.
class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::filesystem::path& at) : at_(at) {
    std::filesystem::create_directories(at_);
    if (mount("tmpfs", at_.c_str(), "tmpfs", 0, "size=8m") == 0) {
      mounted_ = true;
    } else {
      refused_ = std::strerror(errno);
    }
  }
  ~SmallTmpfs() {
    if (mounted_) umount2(at_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& refused() const { return refused_; }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
  std::string refused_;
};

// Writes zeros into `file` until the file system is full.
void FillUp(const std::filesystem::path& file) {
  std::ofstream out(file, std::ios::binary);
  const std::string chunk(64 << 10, '\0');
  while (out.write(chunk.data(), chunk.size()) && out.flush()) {
  }
}

TEST(DiskFullTest, TheRealBinaryOnAFullTmpfsRecoversOnceSpaceIsFreed) {
  testing::TempDir dir;
  SmallTmpfs disk(dir.path() / "disk");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.refused();
  const std::filesystem::path data = dir.path() / "disk" / "data";
  const std::string admin = "127.0.0.1:" + std::to_string(testing::FreePort());
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  // Its output outside the full disk, to be read when something fails.
  const std::filesystem::path log = dir.path() / "broker.log";
  {
    testing::ChildProcess broker(OMNI_BROKER_BINARY,
                                 {"--data-dir=" + data.string(), "--admin-listen=" + admin,
                                  "--ingest-listen=" + ingest, "--grpc-listen=127.0.0.1:0",
                                  "--webchat-listen=127.0.0.1:0"},
                                 log);
    ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 200; }, 20s))
        << testing::ReadFile(log);
    testing::IngestPublisher publisher(ingest);
    const auto first = publisher.Publish(testing::MessageFrom("e-1", "messenger", "ann", "Hello"));
    ASSERT_EQ(first.status(), INGEST_STATUS_ACCEPTED) << first.reason();

    FillUp(dir.path() / "disk" / "filler");
    // Messages until one meets the full disk (the WAL may take a few more before it does).
    std::vector<std::future<omnibroker::v1::IngestAck>> waiting;
    ASSERT_TRUE(WaitFor([&] {
      waiting.push_back(publisher.Send(testing::MessageFrom(
          "during-" + std::to_string(waiting.size()), "messenger", "bob",
          std::string(4096, 'x'))));
      return AdminGet(admin, "/readyz").first == 503;
    }, 30s)) << testing::ReadFile(log);
    const std::string why = AdminGet(admin, "/readyz").second;
    EXPECT_NE(why.find("No space left on device"), std::string::npos) << why;
    EXPECT_EQ(Metric(admin, kFaultGauge), 1);

    std::filesystem::remove(dir.path() / "disk" / "filler");
    ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 200; }, 30s))
        << testing::ReadFile(log);
    for (auto& ack : waiting) {
      ASSERT_EQ(ack.wait_for(15s), std::future_status::ready);
      EXPECT_EQ(ack.get().status(), INGEST_STATUS_ACCEPTED);
    }
    EXPECT_EQ(broker.Stop(SIGTERM), 0) << testing::ReadFile(log);
  }
}

}  // namespace
}  // namespace omni
