// The real omnibroker binary, killed with SIGKILL after acknowledging messages, then restarted on
// the same data directory: every acknowledged message is there, and the waiting conversations are
// queued again. Then a SIGTERM stops it cleanly.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <grpcpp/grpcpp.h>

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
  auto admin = omnibroker::v1::Admin::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials()));
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

}  // namespace
}  // namespace omni
