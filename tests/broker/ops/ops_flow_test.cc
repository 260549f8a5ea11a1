// What an operator sees of a running broker, after real traffic: events through the real ingest
// (the connector SDK over tcp://), an agent through agent-sdk, time on a fake clock. The admin
// port is scraped over HTTP and its values checked exactly; gRPC health is asked with the gRPC
// project's own protocol.
#include <gtest/gtest.h>
#include <httplib.h>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/admin_page.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

using testing::AdminGet;
using testing::MetricSample;

grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& address,
                                                            const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status s = stub->Check(&context, request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response.status();
}

omnibroker::v1::Event Message(const std::string& id, const std::string& thread,
                              const std::string& queue) {
  auto event = testing::MessageFrom(id, "telegram", thread, "Hello");
  if (!queue.empty()) event.mutable_routing()->set_queue(queue);
  return event;
}

TEST(OpsFlowTest, MetricsAndHealthAfterRealTraffic) {
  testing::TempDir dir;
  FakeClock clock;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker(testing::TestConfig(dir.path(), ingest), clock);
  ASSERT_OK(broker.Start());
  const std::string admin = broker.admin_address();
  ASSERT_FALSE(admin.empty());
  EXPECT_EQ(AdminGet(admin, "/livez").first, 200);
  EXPECT_EQ(AdminGet(admin, "/readyz"), (std::pair<int, std::string>{200, "ok\n"}));
  EXPECT_EQ(AdminGet(admin, "/nothing").first, 404);

  // Two conversations, a retry, an invalid event and a receipt for a thread nobody has.
  testing::IngestPublisher publisher(ingest);
  ASSERT_EQ(publisher.Publish(Message("m-1", "t-1", "billing")).status(),
            omnibroker::v1::INGEST_STATUS_ACCEPTED);
  ASSERT_EQ(publisher.Publish(Message("m-2", "t-2", "")).status(),
            omnibroker::v1::INGEST_STATUS_ACCEPTED);
  ASSERT_EQ(publisher.Publish(Message("m-1", "t-1", "billing")).status(),
            omnibroker::v1::INGEST_STATUS_DUPLICATE);
  auto invalid = Message("m-3", "t-3", "");
  invalid.clear_thread_key();
  ASSERT_EQ(publisher.Publish(invalid).status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  auto receipt = Message("r-1", "t-9", "");
  receipt.set_kind(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  ASSERT_EQ(publisher.Publish(receipt).status(), omnibroker::v1::INGEST_STATUS_REJECTED);

  auto [status, page] = AdminGet(admin, "/metrics");
  ASSERT_EQ(status, 200);
  EXPECT_NE(page.find("# TYPE omni_ingest_events_total counter"), std::string::npos);
  EXPECT_EQ(MetricSample(page, "omni_ingest_events_total"), 5);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_acks_total{status="accepted"})"), 2);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_acks_total{status="duplicate"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_acks_total{status="rejected"})"), 2);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_rejects_total{reason="invalid"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_rejects_total{reason="no_conversation"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_ingest_rejects_total{reason="store_error"})"), 0);
  EXPECT_EQ(MetricSample(page, R"(omni_queue_depth{queue="billing"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_queue_depth{queue="default"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_queue_oldest_wait_seconds{queue="billing"})"), 0)
      << "the clock has not moved";
  EXPECT_GE(MetricSample(page, "omni_store_sync_seconds_count"), 1);
  EXPECT_GE(MetricSample(page, "omni_store_write_seconds_count"), 2);
  EXPECT_EQ(MetricSample(page, R"(omni_store_sync_seconds_bucket{le="+Inf"})"),
            MetricSample(page, "omni_store_sync_seconds_count"));
  EXPECT_EQ(MetricSample(page, "omni_console_streams"), 0);

  // Alice declines the first offer and accepts the second, and answers it.
  auto alice = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto first = testing::NextOffer(**alice);
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE((*alice)->Decline(first->offer_id(), "busy").ok());
  auto second = testing::NextOffer(**alice);
  ASSERT_TRUE(second.has_value());
  ASSERT_NE(second->conversation().id(), first->conversation().id());
  ASSERT_TRUE((*alice)->Accept(second->offer_id()).ok());
  ASSERT_TRUE((*alice)->SendText(second->conversation().id(), "Hi!", "a-1").ok());

  page = AdminGet(admin, "/metrics").second;
  EXPECT_EQ(MetricSample(page, "omni_console_streams"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_routing_decisions_total{decision="offer"})"), 2);
  EXPECT_EQ(MetricSample(page, R"(omni_offers_total{outcome="accepted"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_offers_total{outcome="declined"})"), 1);
  const std::string waiting_queue =
      first->conversation().requirements().queue().empty() ? "default" : "billing";
  const std::string taken_queue = waiting_queue == "default" ? "billing" : "default";
  EXPECT_EQ(MetricSample(page, absl::StrCat(R"(omni_queue_depth{queue=")", waiting_queue, R"("})")),
            1);
  EXPECT_EQ(MetricSample(page, absl::StrCat(R"(omni_queue_depth{queue=")", taken_queue, R"("})")),
            -1)
      << "a queue with nobody waiting has no series";

  // Eleven minutes later the declined conversation is past its first-response deadline (10 min
  // for standard customers) and was offered to alice again after her cooldown (2 min); she lets
  // that offer time out (20 s).
  clock.Advance(11min);
  auto third = testing::NextOffer(**alice);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->conversation().id(), first->conversation().id());
  ASSERT_TRUE(testing::WaitFor([&] {
    return MetricSample(AdminGet(admin, "/metrics").second,
                        R"(omni_sla_breaches_total{deadline="first_response"})") == 1;
  }));
  clock.Advance(30s);
  ASSERT_TRUE(testing::WaitFor([&] {
    return MetricSample(AdminGet(admin, "/metrics").second,
                        R"(omni_offers_total{outcome="timed_out"})") == 1;
  }));
  page = AdminGet(admin, "/metrics").second;
  EXPECT_EQ(MetricSample(page, R"(omni_routing_decisions_total{decision="offer"})"), 3);
  EXPECT_EQ(MetricSample(page, R"(omni_routing_decisions_total{decision="offer_withdrawn"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_routing_decisions_total{decision="breach"})"), 1);
  EXPECT_EQ(MetricSample(page, R"(omni_sla_breaches_total{deadline="next_response"})"), 0);
  EXPECT_EQ(MetricSample(page, absl::StrCat(R"(omni_queue_oldest_wait_seconds{queue=")",
                                            waiting_queue, R"("})")),
            690);

  // gRPC health, as any health client asks it (reflection: shutdown_test, which does not link the
  // broker library).
  EXPECT_EQ(Health(broker.grpc_address(), ""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(broker.grpc_address(), "omnibroker.v1.AgentConsole"),
            grpc::health::v1::HealthCheckResponse::SERVING);

  (*alice)->Close();
  ASSERT_TRUE(testing::WaitFor([&] {
    return MetricSample(AdminGet(admin, "/metrics").second, "omni_console_streams") == 0;
  }));
  broker.Stop();
  EXPECT_EQ(AdminGet(admin, "/livez").first, 0) << "the admin port closes with the broker";
}

}  // namespace
}  // namespace omni
