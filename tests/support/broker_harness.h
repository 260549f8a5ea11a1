// Test support for integration tests that run the whole broker: its configuration on free
// 127.0.0.1 ports, a web chat visitor speaking HTTP to the connector, waiting for offers and for
// a phone connector's call reports.
#pragma once

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "broker/app/broker_app.h"
#include "connectors/sdk/reliable_client.h"
#include "connectors/webchat/webchat_connector.h"
#include "omni/agent/agent_client.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/events.h"
#include "tests/support/test_support.h"

namespace omni::testing {

using namespace std::chrono_literals;
using nlohmann::json;

inline app::BrokerConfig TestConfig(const std::filesystem::path& dir, const std::string& ingest_listen = "") {
  app::BrokerConfig config = app::DefaultConfig();
  config.data_dir = dir;
  config.grpc_listen = "127.0.0.1:0";
  config.admin_listen = "127.0.0.1:0";
  config.ingest_listen = ingest_listen;
  config.connectors[0].settings = {{"listen", "127.0.0.1:0"}, {"token_secret", "integration-test-secret-0123"}};
  return config;
}

// A web chat visitor speaking HTTP to the connector.
class Visitor {
 public:
  explicit Visitor(int port) : http_("127.0.0.1", port) { http_.set_read_timeout(15, 0); }

  void Register(const std::string& name) {
    auto res = http_.Post("/v1/visitors", json{{"name", name}}.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
    token_ = json::parse(res->body)["token"];
  }
  // Keeps the token across a broker restart (same secret).
  void Use(const std::string& token) { token_ = token; }
  const std::string& token() const { return token_; }

  // Status and body of a posted message.
  std::pair<int, json> Say(const std::string& text, const std::string& client_id = "") {
    json body{{"text", text}};
    if (!client_id.empty()) body["client_message_id"] = client_id;
    auto res = http_.Post("/v1/messages", {{"Authorization", "Bearer " + token_}}, body.dump(), "application/json");
    if (!res) return {0, json()};
    return {res->status, json::parse(res->body)};
  }

  json Poll(uint64_t after, int wait_s) {
    auto res = http_.Get(("/v1/messages?after=" + std::to_string(after) + "&wait=" + std::to_string(wait_s)).c_str(),
                         {{"Authorization", "Bearer " + token_}});
    if (!res || res->status != 200) return json();
    return json::parse(res->body);
  }

 private:
  httplib::Client http_;
  std::string token_;
};

// Whether the web chat on `web_port` registers visitors (it is up, and its broker too).
inline bool WebChatReady(int web_port) {
  httplib::Client http("127.0.0.1", web_port);
  http.set_connection_timeout(1, 0);
  auto res = http.Post("/v1/visitors", "{}", "application/json");
  return res && res->status == 201;
}

// `count` visitors each say `text` through the web chat on `web_port`, each acknowledged (202):
// their conversations are added to `acked`.
inline void VisitorsSay(int web_port, int count, const std::string& text,
                        std::set<std::string>& acked) {
  for (int v = 0; v < count; ++v) {
    Visitor visitor(web_port);
    visitor.Register("visitor " + std::to_string(v));
    if (::testing::Test::HasFatalFailure()) return;
    auto [status, body] = visitor.Say(text);
    ASSERT_EQ(status, 202) << body.dump();
    acked.insert(body["conversation_id"].get<std::string>());
  }
}

inline int WebChatPort(app::BrokerApp& broker) {
  return dynamic_cast<connectors::webchat::WebChatConnector*>(broker.connector("webchat"))->port();
}

// The next offer the agent receives, skipping other updates.
inline std::optional<omnibroker::v1::Offer> NextOffer(agent::AgentClient& agent, std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    auto u = agent.Next(100ms);
    if (u && u->has_offer()) return u->offer();
  }
  return std::nullopt;
}

// The next failed request result the agent receives (a delivery the provider refused comes as
// one), skipping other updates.
inline std::optional<omnibroker::v1::RequestResult> NextFailure(agent::AgentClient& agent,
                                                                std::chrono::milliseconds timeout = 10s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    auto u = agent.Next(100ms);
    if (u && u->has_result() && u->result().code() != 0) return u->result();
  }
  return std::nullopt;
}

// Agent `id` logged in and available.
inline std::unique_ptr<agent::AgentClient> AvailableAgent(app::BrokerApp& broker,
                                                          const std::string& id) {
  auto agent = agent::AgentClient::Connect(broker.grpc_address(), id);
  EXPECT_TRUE(agent.ok()) << agent.status();
  EXPECT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  return std::move(agent).value();
}

// Publishes events to a broker's tcp ingest endpoint the way a connector does (connector SDK):
// one at a time, waiting for each ack, or without waiting.
class IngestPublisher {
 public:
  explicit IngestPublisher(const std::string& endpoint)
      : client_(zmq_, connectors::ReliableClientOptions{.broker_endpoint = endpoint, .connector_name = "test"},
                [](omnibroker::v1::Delivery) {}) {
    EXPECT_OK(client_.Start());
  }
  ~IngestPublisher() { client_.Stop(); }

  omnibroker::v1::IngestAck Publish(const omnibroker::v1::Event& event) {
    auto future = Send(event);
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "no ack for " << event.id();
      return {};
    }
    return future.get();
  }

  // The final ack of `event`, once it comes (the SDK resends the event until one does).
  std::future<omnibroker::v1::IngestAck> Send(const omnibroker::v1::Event& event) {
    auto acked = std::make_shared<std::promise<omnibroker::v1::IngestAck>>();
    auto future = acked->get_future();
    EXPECT_TRUE(client_.Publish(event, [acked](const omnibroker::v1::IngestAck& ack) { acked->set_value(ack); }).ok());
    return future;
  }

 private:
  zmq::context_t zmq_;
  connectors::ReliableClient client_;
};

// The Admin calls tests make, each expected to succeed, for the broker's default tenant or the
// one named (dev mode: x-omni-tenant).
class AdminClient {
 public:
  explicit AdminClient(const std::string& address, std::string tenant = "")
      : stub_(omnibroker::v1::Admin::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
        tenant_(std::move(tenant)) {}
  omnibroker::v1::Admin::Stub& operator*() { return *stub_; }
  omnibroker::v1::Admin::Stub* operator->() { return stub_.get(); }

  omnibroker::v1::Conversation Conversation(const std::string& id) {
    grpc::ClientContext context;
    ForTenant(context);
    omnibroker::v1::GetConversationRequest request;
    request.set_conversation_id(id);
    omnibroker::v1::Conversation out;
    EXPECT_TRUE(stub_->GetConversation(&context, request, &out).ok()) << id;
    return out;
  }
  omnibroker::v1::Customer Customer(const std::string& id) {
    grpc::ClientContext context;
    ForTenant(context);
    omnibroker::v1::GetCustomerRequest request;
    request.set_customer_id(id);
    omnibroker::v1::Customer out;
    EXPECT_TRUE(stub_->GetCustomer(&context, request, &out).ok()) << id;
    return out;
  }
  // The first page (up to 50) of a customer's history, oldest first.
  omnibroker::v1::GetHistoryResponse CustomerHistory(const std::string& id) {
    grpc::ClientContext context;
    ForTenant(context);
    omnibroker::v1::GetCustomerHistoryRequest request;
    request.set_customer_id(id);
    omnibroker::v1::GetHistoryResponse out;
    EXPECT_TRUE(stub_->GetCustomerHistory(&context, request, &out).ok()) << id;
    return out;
  }

 private:
  void ForTenant(grpc::ClientContext& context) const {
    if (!tenant_.empty()) context.AddMetadata("x-omni-tenant", tenant_);
  }

  std::unique_ptr<omnibroker::v1::Admin::Stub> stub_;
  const std::string tenant_;
};

// The CALL report with call.outcome `outcome` in the history of the conversation's customer,
// once it is there (a phone connector publishes it on its own time).
inline std::optional<omnibroker::v1::Event> CallReport(AdminClient& admin,
                                                       const std::string& conversation_id,
                                                       const std::string& outcome) {
  std::optional<omnibroker::v1::Event> found;
  WaitFor([&] {
    const auto history = admin.CustomerHistory(admin.Conversation(conversation_id).customer_id());
    for (const auto& e : history.events()) {
      auto it = e.provider_metadata().find("call.outcome");
      if (it != e.provider_metadata().end() && it->second == outcome) found = e;
    }
    return found.has_value();
  });
  return found;
}

}  // namespace omni::testing
