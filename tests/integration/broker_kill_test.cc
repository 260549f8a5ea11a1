// The real omnibroker binary, killed with SIGKILL after acknowledging messages, then restarted on
// the same data directory: every acknowledged message is there, the waiting conversations are
// queued again, and an open offer is still open for its agent. Then a SIGTERM stops it cleanly.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <grpcpp/grpcpp.h>

#include "omni/agent/agent_client.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::FreePort;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// The broker binary with the web chat on `web_port` and no ingest listener.
class BrokerProcess : public omni::testing::BrokerProcess {
 public:
  BrokerProcess(const std::filesystem::path& dir, int grpc_port, int web_port)
      : omni::testing::BrokerProcess(OMNI_BROKER_BINARY, dir,
                                     {"--grpc-listen=127.0.0.1:" + std::to_string(grpc_port),
                                      "--webchat-listen=127.0.0.1:" + std::to_string(web_port), "--ingest-listen="}) {}
};

bool Ready(httplib::Client& http) {
  auto res = http.Post("/v1/visitors", "{}", "application/json");
  return res && res->status == 201;
}

// A visitor's first message: its conversation id.
std::string NewConversation(httplib::Client& http, const std::string& text) {
  auto reg = http.Post("/v1/visitors", json{{"name", "visitor"}}.dump(), "application/json");
  if (!reg || reg->status != 201) return "";
  const std::string token = json::parse(reg->body)["token"];
  auto res = http.Post("/v1/messages", {{"Authorization", "Bearer " + token}}, json{{"text", text}}.dump(),
                       "application/json");
  return res && res->status == 202 ? json::parse(res->body)["conversation_id"].get<std::string>() : "";
}

std::unique_ptr<omnibroker::v1::Admin::Stub> AdminOf(int grpc_port) {
  return omnibroker::v1::Admin::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
}

TEST(BrokerKillTest, AcknowledgedMessagesSurviveSigkill) {
  TempDir dir;
  const int grpc_port = FreePort();
  const int web_port = FreePort();
  httplib::Client http("127.0.0.1", web_port);
  http.set_connection_timeout(1, 0);

  std::set<std::string> acked_conversations;
  {
    BrokerProcess broker(dir.path(), grpc_port, web_port);
    ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s)) << omni::testing::ReadFile(dir.path() / "broker.log");
    for (int v = 0; v < 5; ++v) {
      auto reg = http.Post("/v1/visitors", json{{"name", "visitor " + std::to_string(v)}}.dump(), "application/json");
      ASSERT_TRUE(reg && reg->status == 201);
      const std::string token = json::parse(reg->body)["token"];
      for (int m = 0; m < 2; ++m) {
        auto res = http.Post("/v1/messages", {{"Authorization", "Bearer " + token}},
                             json{{"text", "message " + std::to_string(m)}}.dump(), "application/json");
        ASSERT_TRUE(res);
        ASSERT_EQ(res->status, 202) << res->body;
        acked_conversations.insert(json::parse(res->body)["conversation_id"].get<std::string>());
      }
    }
    const int status = broker.Stop(SIGKILL);
    ASSERT_TRUE(WIFSIGNALED(status));
  }
  ASSERT_EQ(acked_conversations.size(), 5u);

  BrokerProcess broker(dir.path(), grpc_port, web_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s)) << omni::testing::ReadFile(dir.path() / "broker.log");
  auto admin = AdminOf(grpc_port);
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin->ListConversations(&ctx, {}, &open).ok());
  std::set<std::string> recovered;
  for (const auto& c : open.conversations()) {
    recovered.insert(c.id());
    EXPECT_EQ(c.last_sequence(), 2u) << c.id();  // both acknowledged messages are stored
    EXPECT_EQ(c.state(), omnibroker::v1::CONVERSATION_STATE_QUEUED);
  }
  EXPECT_EQ(recovered, acked_conversations);
  grpc::ClientContext ctx2;
  omnibroker::v1::QueueSnapshot queue;
  ASSERT_TRUE(admin->GetQueueSnapshot(&ctx2, {}, &queue).ok());
  EXPECT_EQ(queue.entries_size(), 5);

  const int status = broker.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// The offer an agent holds when the broker dies is still theirs after the restart: the console
// that reconnects sees the same offer (not a revocation and a new one), and accepting it works.
TEST(BrokerKillTest, AnOpenOfferSurvivesSigkill) {
  TempDir dir;
  const int grpc_port = FreePort();
  const int web_port = FreePort();
  httplib::Client http("127.0.0.1", web_port);
  http.set_connection_timeout(1, 0);

  auto broker = std::make_unique<BrokerProcess>(dir.path(), grpc_port, web_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s)) << omni::testing::ReadFile(dir.path() / "broker.log");
  agent::AgentClientOptions options{.target = "127.0.0.1:" + std::to_string(grpc_port), .agent_id = "alice"};
  options.reconnect.max_backoff = 300ms;
  auto alice = agent::AgentClient::Connect(options);
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::string id = NewConversation(http, "my parcel never arrived");
  ASSERT_FALSE(id.empty());
  std::optional<omnibroker::v1::Offer> offer;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*alice)->Next(100ms);
    if (u && u->has_offer()) offer = u->offer();
    return offer.has_value();
  }, 10s));
  ASSERT_EQ(offer->conversation().id(), id);

  ASSERT_TRUE(WIFSIGNALED(broker->Stop(SIGKILL)));
  broker = std::make_unique<BrokerProcess>(dir.path(), grpc_port, web_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(http); }, 20s)) << omni::testing::ReadFile(dir.path() / "broker.log");
  auto admin = AdminOf(grpc_port);
  grpc::ClientContext ctx;
  omnibroker::v1::GetConversationRequest get;
  get.set_conversation_id(id);
  omnibroker::v1::Conversation recovered;
  ASSERT_TRUE(admin->GetConversation(&ctx, get, &recovered).ok());
  EXPECT_EQ(recovered.state(), omnibroker::v1::CONVERSATION_STATE_OFFERED) << "still offered, to alice";

  // The request waits for the client's reconnect and login, then is answered by the new broker.
  auto accepted = (*alice)->Accept(offer->offer_id());
  ASSERT_TRUE(accepted.ok()) << accepted.status() << "\n" << omni::testing::ReadFile(dir.path() / "broker.log");
  EXPECT_EQ(*accepted, id);
  while (auto u = (*alice)->Next(200ms)) {
    EXPECT_FALSE(u->has_offer_revoked()) << u->DebugString();
    if (u->has_offer()) {
      EXPECT_EQ(u->offer().offer_id(), offer->offer_id()) << "the same offer again, if at all";
    }
  }
  (*alice)->Close();
  ASSERT_TRUE(WIFEXITED(broker->Stop(SIGTERM)));
}

}  // namespace
}  // namespace omni
