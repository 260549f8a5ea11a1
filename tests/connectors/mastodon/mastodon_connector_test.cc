// The Mastodon connector's poll loop and Deliver against a fake instance on 127.0.0.1, with a
// context that holds the broker's acks until the test lets them go: the cursor (and its state
// file) moves only after the ack, an unacked page is polled and published again, a restart
// resumes from the file; replies carry the mention, visibility, reply target and
// Idempotency-Key, are sent once per event id, and Mastodon's refusals map to clear statuses.
#include "connectors/mastodon/mastodon_connector.h"

#include <gtest/gtest.h>

#include <mutex>

#include "tests/connectors/mastodon/fake_mastodon.h"
#include "tests/support/test_support.h"

namespace omni::connectors::mastodon {
namespace {

using namespace std::chrono_literals;
using omni::testing::FakeMastodon;
using omni::testing::ReadFile;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// Records what is published; acks at once, or only when released.
class HoldingContext : public ConnectorContext {
 public:
  absl::Status Publish(omnibroker::v1::Event event, AckCallback done) override {
    std::lock_guard lock(mu_);
    published_.push_back(event.id());
    if (hold_) {
      pending_.push_back({event.id(), std::move(done)});
    } else {
      done(Ack(event.id()));
    }
    return absl::OkStatus();
  }
  const Clock& clock() const override { return SystemClock::Get(); }
  std::string_view tenant() const override { return "default"; }

  void Hold() {
    std::lock_guard lock(mu_);
    hold_ = true;
  }
  // Acks what is pending and everything from now on.
  void Release() {
    std::vector<std::pair<std::string, AckCallback>> pending;
    {
      std::lock_guard lock(mu_);
      hold_ = false;
      pending.swap(pending_);
    }
    for (auto& [id, done] : pending) done(Ack(id));
  }
  std::vector<std::string> published() {
    std::lock_guard lock(mu_);
    return published_;
  }

 private:
  static omnibroker::v1::IngestAck Ack(const std::string& id) {
    omnibroker::v1::IngestAck ack;
    ack.set_event_id(id);
    ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
    return ack;
  }

  std::mutex mu_;
  bool hold_ = false;
  std::vector<std::string> published_;
  std::vector<std::pair<std::string, AckCallback>> pending_;
};

std::unique_ptr<MastodonConnector> Connector(const FakeMastodon& instance,
                                             const std::filesystem::path& state_file) {
  MastodonOptions options;
  options.instance_url = instance.base_url();
  options.access_token = FakeMastodon::kToken;
  options.poll_interval = 10ms;
  options.ack_wait = 50ms;
  options.state_file = state_file;
  auto connector = MastodonConnector::Create(std::move(options));
  EXPECT_TRUE(connector.ok()) << connector.status();
  return *std::move(connector);
}

TEST(MastodonConnectorTest, CursorMovesOnlyAfterTheAckAndSurvivesARestart) {
  TempDir dir;
  FakeMastodon instance;
  instance.AddMention("100", "110000000000000002", "ana@example.social", "hola");
  const auto state_file = dir.path() / "state" / "mastodon.cursor";
  HoldingContext context;
  context.Hold();
  auto connector = Connector(instance, state_file);
  ASSERT_TRUE(connector->Start(context).ok());
  // Unacked: the same mention is polled and published again, the cursor stays put.
  ASSERT_TRUE(WaitFor([&] { return context.published().size() >= 2; }));
  EXPECT_EQ(connector->cursor(), "");
  EXPECT_FALSE(std::filesystem::exists(state_file));
  EXPECT_GE(connector->PollRejections()["ack_timeout"], 1);
  for (const std::string& min_id : instance.polls()) EXPECT_EQ(min_id, "");
  const std::string id = "mastodon:" + instance.host() + ":110000000000000002";
  for (const std::string& published : context.published()) EXPECT_EQ(published, id);

  context.Release();
  ASSERT_TRUE(WaitFor([&] { return connector->cursor() == "100"; }));
  EXPECT_EQ(ReadFile(state_file), "100\n");
  ASSERT_TRUE(WaitFor([&] { return instance.polls().back() == "100"; }));
  connector->Stop();

  // A new process resumes after the acked notification.
  const size_t polls_before = instance.polls().size();
  auto restarted = Connector(instance, state_file);
  ASSERT_TRUE(restarted->Start(context).ok());
  ASSERT_TRUE(WaitFor([&] { return instance.polls().size() > polls_before; }));
  EXPECT_EQ(instance.polls()[polls_before], "100");
  EXPECT_EQ(restarted->cursor(), "100");
  restarted->Stop();
}

TEST(MastodonConnectorTest, AMalformedNotificationDoesNotStallThePoll) {
  FakeMastodon instance;
  instance.AddRaw({{"id", "200"}, {"type", "mention"}});  // no status
  instance.AddMention("201", "110000000000000009", "bo@example.social", "hello");
  HoldingContext context;
  auto connector = Connector(instance, "");
  ASSERT_TRUE(connector->Start(context).ok());
  ASSERT_TRUE(WaitFor([&] { return connector->cursor() == "201"; }));
  connector->Stop();
  ASSERT_FALSE(context.published().empty());
  EXPECT_EQ(context.published().front(), "mastodon:" + instance.host() + ":110000000000000009");
  EXPECT_GE(connector->PollRejections()["malformed"], 1);
}

omnibroker::v1::Event Reply(const std::string& id, const std::string& thread,
                            const std::string& text) {
  omnibroker::v1::Event event;
  event.set_id(id);
  event.set_provider("mastodon");
  event.set_direction(omnibroker::v1::DIRECTION_OUTBOUND);
  event.set_thread_key(thread);
  event.mutable_content()->set_text(text);
  return event;
}

TEST(MastodonConnectorTest, DeliverPostsOnceWithMentionVisibilityAndIdempotencyKey) {
  FakeMastodon instance;
  auto connector = Connector(instance, "");
  ASSERT_TRUE(connector->Deliver(Reply("agent:a:1", "unlisted:ana@example.social", "on it")).ok());
  ASSERT_TRUE(connector->Deliver(Reply("agent:a:1", "unlisted:ana@example.social", "on it")).ok());
  ASSERT_EQ(instance.posted().size(), 1u);  // the resend was remembered
  const auto posted = instance.posted().front();
  EXPECT_EQ(posted.idempotency_key, "agent:a:1");
  EXPECT_EQ(posted.body["status"], "@ana@example.social on it");
  EXPECT_EQ(posted.body["visibility"], "unlisted");
  EXPECT_FALSE(posted.body.contains("in_reply_to_id"));  // no customer status seen yet

  instance.set_post_status(422);
  auto refused = connector->Deliver(Reply("agent:a:2", "direct:ana@example.social", "long"));
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("Text character limit of 500 exceeded"), std::string::npos)
      << refused;
  instance.set_post_status(429);
  EXPECT_EQ(connector->Deliver(Reply("agent:a:3", "direct:ana@example.social", "x")).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(connector->Deliver(Reply("agent:a:4", "ana@example.social", "x")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(connector->Deliver(Reply("agent:a:5", "shout:ana@example.social", "x")).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(connector->Deliver(Reply("agent:a:6", "direct:ana@example.social", "")).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omni::connectors::mastodon
