// The real omnibroker binary, killed with SIGKILL after acknowledging messages, then restarted on
// the same data directory: every acknowledged message is there, and the waiting conversations are
// queued again. Then a SIGTERM stops it cleanly.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <grpcpp/grpcpp.h>

#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// A port that was free a moment ago on 127.0.0.1 (the broker binds it right after). The probe
// socket is closed for real: a listener left open would share the port and swallow connections.
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class BrokerProcess {
 public:
  BrokerProcess(const std::filesystem::path& dir, int grpc_port, int webchat_port) {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (dir / "broker.log").string();
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      const std::string data = "--data-dir=" + dir.string();
      const std::string grpc = "--grpc-listen=127.0.0.1:" + std::to_string(grpc_port);
      const std::string web = "--webchat-listen=127.0.0.1:" + std::to_string(webchat_port);
      execl(OMNI_BROKER_BINARY, OMNI_BROKER_BINARY, data.c_str(), grpc.c_str(), web.c_str(), "--ingest-listen=",
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  // The exit status (as from waitpid) after sending `signal`.
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  ~BrokerProcess() {
    if (pid_ > 0) Stop(SIGKILL);
  }

 private:
  pid_t pid_ = -1;
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
