// Retention through the real broker on a controlled clock: sensitive attachment references are
// purged after their retention, events after their tenant's, with the customer's history
// following; younger data and other tenants' stay.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::TempDir;

TEST(RetentionTest, SensitiveAttachmentsThenEventsGoAfterTheirRetention) {
  TempDir dir;
  FakeClock clock;
  app::BrokerConfig config = testing::TestConfig(dir.path(), "tcp://127.0.0.1:0");
  config.connectors.clear();
  config.retention = {{"*", core::RetentionPolicy{.events_days = 0, .sensitive_attachment_days = 30}},
                      {"short", core::RetentionPolicy{.events_days = 60, .sensitive_attachment_days = 30}}};
  config.tenants.push_back(app::TenantConfig{.name = "short"});
  app::BrokerApp broker(config, clock);
  ASSERT_OK(broker.Start());
  testing::IngestPublisher publisher(broker.ingest_endpoints().back());
  testing::AdminClient admin(broker.grpc_address());

  auto passport = [](omnibroker::v1::Event e) {
    auto* a = e.mutable_content()->add_attachments();
    a->set_url("https://files.example/passport.jpg");
    a->set_filename("passport.jpg");
    a->set_content_type("image/jpeg");
    a->set_sensitive(true);
    auto* b = e.mutable_content()->add_attachments();
    b->set_url("https://files.example/screenshot.png");
    b->set_content_type("image/png");
    return e;
  };
  auto kept = publisher.Publish(passport(testing::MessageFrom("k1", "telegram", "kept", "my passport")));
  auto in_short = testing::MessageFrom("s1", "telegram", "short", "short-lived tenant");
  in_short.set_tenant("short");
  auto short_ack = publisher.Publish(passport(in_short));
  ASSERT_EQ(kept.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  ASSERT_EQ(short_ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);

  auto sweep = [&] {
    grpc::ClientContext context;
    omnibroker::v1::RetentionResult result;
    EXPECT_TRUE(admin->SweepRetention(&context, {}, &result).ok());
    return result;
  };
  testing::AdminClient short_admin(broker.grpc_address(), "short");
  auto customer_history = [&](const omnibroker::v1::IngestAck& ack) {
    testing::AdminClient& of_tenant = ack.event_id() == short_ack.event_id() ? short_admin : admin;
    return of_tenant.CustomerHistory(of_tenant.Conversation(ack.conversation_id()).customer_id());
  };

  clock.Advance(std::chrono::hours(24 * 29));
  auto early = sweep();
  EXPECT_EQ(early.attachments_purged(), 0);
  EXPECT_EQ(customer_history(kept).events(0).content().attachments(0).url(), "https://files.example/passport.jpg");

  clock.Advance(std::chrono::hours(24 * 2));
  auto purged = sweep();
  EXPECT_EQ(purged.attachments_purged(), 2) << "the passport of each tenant";
  const auto after = customer_history(kept).events(0).content();
  EXPECT_TRUE(after.attachments(0).url().empty());
  EXPECT_EQ(after.attachments(0).content_type(), "image/jpeg") << "what it was stays, not where";
  EXPECT_EQ(after.attachments(1).url(), "https://files.example/screenshot.png") << "not sensitive";
  EXPECT_EQ(after.text(), "my passport");

  clock.Advance(std::chrono::hours(24 * 30));
  auto deleted = sweep();
  EXPECT_EQ(deleted.events_deleted(), 1) << "the short-lived tenant's event";
  EXPECT_EQ(customer_history(short_ack).events_size(), 0);
  EXPECT_EQ(customer_history(kept).events_size(), 1) << "kept for ever by default";
  EXPECT_EQ(sweep().events_deleted(), 0) << "nothing twice";
}

}  // namespace
}  // namespace omni
