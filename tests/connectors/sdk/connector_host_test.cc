// ConnectorHost's deliveries, with the test in the broker's place on a real ROUTER endpoint
// (broker/ingest) over tcp on 127.0.0.1, sending deliveries and resending them as the broker's
// retry scan does, and a provider API played on 127.0.0.1 (FakeProviderApi) that is slow, or fails
// and then recovers: a delivery resent while it is worked on is not sent a second time, at most
// DeliveryLimits::max_in_progress are worked on (the others are answered "busy"), a failed one is
// not tried again before its backoff passes, and after the recovery each delivery reaches the
// provider exactly once. Backoffs run on a fake clock.
#include "connectors/sdk/connector_host.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "broker/ingest/ingest_endpoint.h"
#include "connectors/sdk/provider_client.h"
#include "tests/support/fake_provider_api.h"
#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

using namespace std::chrono_literals;
using omni::testing::FakeProviderApi;
using omni::testing::WaitFor;
using omnibroker::v1::DeliveryAck;

// A channel whose replies are POSTs of {"id": event id} to its provider's /send.
class SendingConnector : public Connector {
 public:
  explicit SendingConnector(const std::string& base_url)
      : client_(*ProviderClient::Create({.base_url = base_url, .read_timeout = 10000ms})) {}
  std::vector<std::string> Providers() const override { return {"test"}; }
  absl::Status Start(ConnectorContext&) override { return absl::OkStatus(); }
  void Stop() override {}
  absl::Status Deliver(const omnibroker::v1::Event& event) override {
    auto response = client_.PostJson("/send", nlohmann::json{{"id", event.id()}}.dump());
    if (!response.ok()) return response.status();
    return StatusFromHttp(*response, "test send");
  }

 private:
  ProviderClient client_;
};

// The broker's side of the link, played by the test (on the test's thread).
class PlayedBroker {
 public:
  explicit PlayedBroker(zmq::context_t& zmq) : ingest_(zmq) {
    EXPECT_OK(ingest_.Bind({"tcp://127.0.0.1:*"}));
  }
  std::string endpoint() const { return ingest_.bound()[0]; }

  // Reads what the connector sent: its Hello (where deliveries go) and its delivery acks.
  void Pump() {
    while (auto received = ingest_.TryReceive()) {
      if (!received->frame.ok()) continue;
      if (received->frame->has_hello()) connector_ = received->routing_id;
      if (received->frame->has_delivery_ack()) {
        const DeliveryAck& ack = received->frame->delivery_ack();
        acks_[ack.delivery_id()].push_back(ack);
      }
    }
  }
  bool Connected() {
    Pump();
    return !connector_.empty();
  }
  // Sends (or resends, with a higher attempt) the delivery of a reply with event id `id`.
  void Deliver(const std::string& id, uint32_t attempt) {
    omnibroker::v1::BrokerFrame frame;
    frame.mutable_delivery()->set_delivery_id("d-" + id);
    frame.mutable_delivery()->set_attempt(attempt);
    frame.mutable_delivery()->mutable_event()->set_id(id);
    frame.mutable_delivery()->mutable_event()->set_provider("test");
    EXPECT_TRUE(ingest_.Send(connector_, frame));
  }
  // The acks of `id`'s delivery so far.
  std::vector<DeliveryAck> Acks(const std::string& id) {
    Pump();
    return acks_["d-" + id];
  }
  // Waits until `id`'s delivery has `count` acks; the last one.
  DeliveryAck AwaitAck(const std::string& id, size_t count) {
    EXPECT_TRUE(WaitFor([&] { return Acks(id).size() >= count; }))
        << "no ack " << count << " for " << id;
    auto acks = Acks(id);
    return acks.size() >= count ? acks[count - 1] : DeliveryAck{};
  }

 private:
  ingest::IngestEndpoint ingest_;
  std::string connector_;
  std::map<std::string, std::vector<DeliveryAck>> acks_;
};

// How many requests the provider got for the reply `id`.
int SendsOf(FakeProviderApi& provider, const std::string& id) {
  int sends = 0;
  for (const auto& request : provider.Requests("/send")) {
    if (nlohmann::json::parse(request.body)["id"] == id) ++sends;
  }
  return sends;
}

struct Hosted {
  Hosted(zmq::context_t& zmq, PlayedBroker& broker, FakeProviderApi& provider, const Clock& clock,
         DeliveryLimits limits)
      : host(zmq, {.broker_endpoint = broker.endpoint(), .delivery = limits}, clock) {
    host.Add("sender", std::make_unique<SendingConnector>(provider.base_url()));
    EXPECT_OK(host.Start());
    EXPECT_TRUE(WaitFor([&] { return broker.Connected(); }));
  }
  ~Hosted() { host.Stop(); }
  ConnectorHost host;
};

TEST(ConnectorHostTest, ADeliveryIsSentOnceAtATimeAndThoseInProgressAreBounded) {
  zmq::context_t zmq;
  FakeProviderApi provider;
  PlayedBroker broker(zmq);
  FakeClock clock;
  Hosted hosted(zmq, broker, provider, clock, {.max_in_progress = 3});

  provider.Hold();  // the provider is slow: "r1" is being sent
  broker.Deliver("r1", 1);
  ASSERT_TRUE(WaitFor([&] { return SendsOf(provider, "r1") == 1; }));
  broker.Deliver("r1", 2);  // the broker's retry scan, while the first send is under way
  broker.Deliver("r2", 1);
  broker.Deliver("r3", 1);
  broker.Deliver("r2", 2);  // queued already: no second send either
  broker.Deliver("r4", 1);  // a fourth one: over the bound
  // The host reads in order: r4's answer also says every resend above was seen while its
  // delivery was under way (a resend seen after the answer is answered again, as it should be).
  const DeliveryAck busy = broker.AwaitAck("r4", 1);
  EXPECT_FALSE(busy.ok());
  EXPECT_FALSE(busy.permanent()) << "the broker sends it again later";
  EXPECT_NE(busy.error().find("busy"), std::string::npos) << busy.error();

  provider.Release();
  for (const char* id : {"r1", "r2", "r3"}) EXPECT_TRUE(broker.AwaitAck(id, 1).ok()) << id;
  broker.Deliver("r4", 2);  // room again
  EXPECT_TRUE(broker.AwaitAck("r4", 2).ok());
  for (const char* id : {"r1", "r2", "r3", "r4"}) {
    EXPECT_EQ(SendsOf(provider, id), 1) << id;
    EXPECT_EQ(broker.Acks(id).size(), std::string_view(id) == "r4" ? 2u : 1u) << id;
  }
}

TEST(ConnectorHostTest, AFailingProviderIsRetriedWithBackoffAndGetsEachDeliveryOnceItRecovers) {
  zmq::context_t zmq;
  FakeProviderApi provider;
  PlayedBroker broker(zmq);
  FakeClock clock;
  Hosted hosted(zmq, broker, provider, clock,
                {.max_in_progress = 8, .first_backoff = 1000ms, .max_backoff = 4000ms});
  const std::vector<std::string> ids = {"r1", "r2", "r3"};
  provider.Answer("POST", "/send", 503, R"({"error":"down for maintenance"})");

  size_t acks = 0;  // per delivery, so far
  uint32_t attempt = 0;
  // The broker's retry scan: every delivery sent again; each answer is awaited.
  auto resend_all = [&] {
    ++attempt;
    ++acks;
    for (const auto& id : ids) broker.Deliver(id, attempt);
    std::vector<DeliveryAck> answers;
    for (const auto& id : ids) answers.push_back(broker.AwaitAck(id, acks));
    return answers;
  };
  auto sends = [&] {
    std::vector<int> counts;
    for (const auto& id : ids) counts.push_back(SendsOf(provider, id));
    return counts;
  };

  for (const auto& answer : resend_all()) {  // the outage: each one tried, each one fails
    EXPECT_FALSE(answer.ok());
    EXPECT_FALSE(answer.permanent());
    EXPECT_NE(answer.error().find("503"), std::string::npos) << answer.error();
  }
  EXPECT_EQ(sends(), (std::vector<int>{1, 1, 1}));

  for (const auto& answer : resend_all()) {  // resent before the backoff passed: not tried
    EXPECT_FALSE(answer.ok());
    EXPECT_NE(answer.error().find("backing off after 1 failed attempts"), std::string::npos)
        << answer.error();
  }
  EXPECT_EQ(sends(), (std::vector<int>{1, 1, 1}));

  clock.Advance(1000ms);  // the first backoff is at most first_backoff
  resend_all();
  EXPECT_EQ(sends(), (std::vector<int>{2, 2, 2}));
  clock.Advance(900ms);  // the second is at least half of twice first_backoff
  resend_all();
  EXPECT_EQ(sends(), (std::vector<int>{2, 2, 2}));

  provider.Answer("POST", "/send", 200, R"({"ok":true})");  // the provider recovers
  clock.Advance(1100ms);  // and the second backoff (at most twice first_backoff) is over
  for (const auto& answer : resend_all()) EXPECT_TRUE(answer.ok()) << answer.error();
  EXPECT_EQ(sends(), (std::vector<int>{3, 3, 3}));

  // A resend that crossed the answer: answered again, not sent again.
  for (const auto& answer : resend_all()) EXPECT_TRUE(answer.ok()) << answer.error();
  EXPECT_EQ(sends(), (std::vector<int>{3, 3, 3})) << "exactly one send after the recovery";
}

}  // namespace
}  // namespace omni::connectors
