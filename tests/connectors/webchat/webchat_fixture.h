// The web chat connector over real HTTP on 127.0.0.1 for the connector's integration tests: an
// acking context in place of the broker (the real broker path is in tests/integration and the
// browser test), on a fake clock the tests move, and a client.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"
#include "connectors/webchat/webchat_connector.h"

namespace omni::connectors::webchat {

class AckingContext : public ConnectorContext {
 public:
  absl::Status Publish(omnibroker::v1::Event event, AckCallback done) override {
    omnibroker::v1::IngestAck ack;
    ack.set_event_id(event.id());
    ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
    ack.set_conversation_id("c1");
    {
      std::lock_guard lock(mu);
      published.push_back(std::move(event));
    }
    done(ack);
    return absl::OkStatus();
  }
  const Clock& clock() const override { return clock_; }
  std::string_view tenant() const override { return "default"; }
  FakeClock& fake_clock() { return clock_; }

  std::mutex mu;
  std::vector<omnibroker::v1::Event> published;

 private:
  FakeClock clock_;
};

class WebChatFixture : public ::testing::Test {
 protected:
  // The options the connector starts with; a test may change them before StartConnector().
  static WebChatOptions TestOptions() {
    WebChatOptions options;
    options.port = 0;
    options.secret = "0123456789abcdef0123";
    options.stream_keep_alive = std::chrono::seconds(1);
    // Tests register many visitors from one address; the tests of the limits set their own.
    options.registration_rates = {.per_address_per_minute = 0,
                                  .per_address_burst = 0,
                                  .total_per_minute = 0,
                                  .total_burst = 0};
    return options;
  }

  void SetUp() override { StartConnector(TestOptions()); }
  void TearDown() override {
    if (connector) connector->Stop();
  }

  void StartConnector(const WebChatOptions& options) {
    if (connector) connector->Stop();
    auto created = WebChatConnector::Create(options);
    ASSERT_TRUE(created.ok()) << created.status();
    connector = *std::move(created);
    ASSERT_TRUE(connector->Start(context).ok());
    client = std::make_unique<httplib::Client>("127.0.0.1", connector->port());
    client->set_read_timeout(10, 0);
  }

  // A new visitor's token.
  std::string Register(const nlohmann::json& profile = nlohmann::json::object()) {
    auto res = client->Post("/v1/visitors", profile.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    if (!res || res->status != 201) return "";
    return nlohmann::json::parse(res->body)["token"];
  }

  static std::string VisitorIdOf(const std::string& token) {
    return token.substr(0, token.find('.'));
  }

  // An agent's reply to the visitor, as the broker delivers it.
  void Reply(const std::string& token, const std::string& event_id, const std::string& text) {
    omnibroker::v1::Event reply;
    reply.set_id(event_id);
    reply.mutable_recipient()->set_handle(VisitorIdOf(token));
    reply.mutable_content()->set_text(text);
    ASSERT_TRUE(connector->Deliver(reply).ok());
  }

  AckingContext context;
  std::unique_ptr<WebChatConnector> connector;
  std::unique_ptr<httplib::Client> client;
};

}  // namespace omni::connectors::webchat
