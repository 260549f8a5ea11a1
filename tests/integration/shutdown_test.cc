// SIGTERM to the real omnibroker binary while events stream in over tcp:// and an agent console
// is connected: it exits 0 within its grace period (set through the environment), every event it
// stored was acknowledged before it left, the console's stream ends with UNAVAILABLE, and after a
// restart every event is there exactly once.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "connectors/sdk/reliable_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"
#include "tests/support/broker_process.h"
#include "tests/support/events.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using testing::FreePort;
using testing::WaitFor;

// Enough to keep the broker busy through its SIGTERM, few enough to list back at the end.
constexpr int kMaxEvents = 20000;

class Broker : public testing::BrokerProcess {
 public:
  Broker(const std::filesystem::path& dir, int grpc, int ingest, int admin)
      : testing::BrokerProcess(
            OMNI_BROKER_BINARY, dir,
            {"--grpc-listen=127.0.0.1:" + std::to_string(grpc),
             "--ingest-listen=tcp://127.0.0.1:" + std::to_string(ingest), "--no-webchat",
             "--admin-listen=127.0.0.1:" + std::to_string(admin)}) {}
};

bool Ready(int admin_port) {
  httplib::Client http("127.0.0.1", admin_port);
  auto res = http.Get("/readyz");
  return res && res->status == 200;
}

// The services a server lists through reflection.
std::vector<std::string> ReflectedServices(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  EXPECT_TRUE(stream->Write(request));
  stream->WritesDone();
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  std::vector<std::string> names;
  while (stream->Read(&response)) {
    for (const auto& service : response.list_services_response().service())
      names.push_back(service.name());
  }
  EXPECT_TRUE(stream->Finish().ok());
  return names;
}

TEST(ShutdownTest, SigtermDrainsClosesStreamsAndLosesNothing) {
  testing::TempDir dir;
  const int grpc_port = FreePort(), ingest_port = FreePort(), admin_port = FreePort();
  // The broker's environment override of shutdown_grace_seconds (OMNIBROKER_<PATH>).
  ASSERT_EQ(setenv("OMNIBROKER_SHUTDOWN_GRACE_SECONDS", "5", 1), 0);
  auto broker = std::make_unique<Broker>(dir.path(), grpc_port, ingest_port, admin_port);
  unsetenv("OMNIBROKER_SHUTDOWN_GRACE_SECONDS");
  ASSERT_TRUE(WaitFor([&] { return Ready(admin_port); }, 20s))
      << testing::ReadFile(dir.path() / "broker.log");

  // gRPC health and reflection, as any client asks them.
  grpc::ChannelArguments unlimited;  // the list of every conversation at the end is large
  unlimited.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(grpc_port),
                                           grpc::InsecureChannelCredentials(), unlimited);
  {
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("omnibroker.v1.Admin");
    grpc::health::v1::HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok());
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  const auto services = ReflectedServices(channel);
  for (const char* name :
       {"omnibroker.v1.AgentConsole", "omnibroker.v1.Admin", "grpc.health.v1.Health"}) {
    EXPECT_NE(std::find(services.begin(), services.end(), name), services.end()) << name;
  }

  // An agent console's stream, logged in.
  auto console = omnibroker::v1::AgentConsole::NewStub(channel);
  grpc::ClientContext stream_context;
  auto stream = console->Connect(&stream_context);
  omnibroker::v1::AgentRequest login;
  login.set_request_id("login");
  login.mutable_login()->set_agent_id("alice");
  ASSERT_TRUE(stream->Write(login));
  omnibroker::v1::AgentUpdate update;
  ASSERT_TRUE(stream->Read(&update));
  ASSERT_TRUE(update.has_login_result());

  // Events from a connector, one conversation each; acks counted by status.
  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<int> accepted = 0, duplicates = 0;
  zmq::context_t zmq;
  connectors::ReliableClient client(
      zmq,
      {.broker_endpoint = "tcp://127.0.0.1:" + std::to_string(ingest_port),
       .connector_name = "test",
       .ack_timeout = 3s},
      [](omnibroker::v1::Delivery) {});
  ASSERT_OK(client.Start());
  // Published without pause until the broker is gone, so the SIGTERM finds writes waiting for
  // their sync (the outbox is kept short: events wait in memory, not in the spool).
  std::atomic<bool> stop_publishing = false;
  std::atomic<int> published = 0;
  std::thread publisher([&] {
    while (!stop_publishing && published < kMaxEvents) {
      if (client.pending() >= 256) {
        std::this_thread::yield();
        continue;
      }
      const std::string id = "e-" + std::to_string(published.load());
      const absl::Status s =
          client.Publish(testing::MessageFrom(id, "telegram", "t-" + id, "body-7f3a"),
                         [&, id](const omnibroker::v1::IngestAck& ack) {
                           if (ack.status() == omnibroker::v1::INGEST_STATUS_ACCEPTED) ++accepted;
                           if (ack.status() == omnibroker::v1::INGEST_STATUS_DUPLICATE)
                             ++duplicates;
                           std::lock_guard lock(mu);
                           acked.insert(id);
                         });
      ASSERT_TRUE(s.ok()) << s;
      ++published;
    }
  });
  ASSERT_TRUE(WaitFor([&] { return accepted >= 200; }));

  // SIGTERM while events are still coming in.
  const auto signalled = std::chrono::steady_clock::now();
  const int status = broker->Stop(SIGTERM);
  const auto took = std::chrono::steady_clock::now() - signalled;
  ASSERT_TRUE(WIFEXITED(status)) << testing::ReadFile(dir.path() / "broker.log");
  EXPECT_EQ(WEXITSTATUS(status), 0) << testing::ReadFile(dir.path() / "broker.log");
  EXPECT_LT(took, 5s) << "within the grace period";
  stop_publishing = true;
  publisher.join();
  const std::string log = testing::ReadFile(dir.path() / "broker.log");
  EXPECT_NE(log.find("stopping within 5 s"), std::string::npos) << log;
  EXPECT_EQ(log.find("body-7f3a"), std::string::npos) << "no message body in the log";

  while (stream->Read(&update)) {
  }
  const grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_EQ(ended.error_message(), "the broker is shutting down");

  // Whatever the broker stored it acknowledged: after the restart no resent event is a duplicate.
  const int accepted_before = accepted;
  broker = std::make_unique<Broker>(dir.path(), grpc_port, ingest_port, admin_port);
  ASSERT_TRUE(WaitFor([&] { return Ready(admin_port); }, 20s))
      << testing::ReadFile(dir.path() / "broker.log");
  ASSERT_TRUE(WaitFor([&] { return client.pending() == 0; }, 30s))
      << client.pending() << " unacknowledged";
  client.Stop();
  EXPECT_EQ(duplicates, 0) << accepted_before << " were accepted before the SIGTERM";
  EXPECT_EQ(accepted, published);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(acked.size(), static_cast<size_t>(published));
  }

  auto admin_stub = omnibroker::v1::Admin::NewStub(channel);
  grpc::ClientContext list_context;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin_stub->ListConversations(&list_context, {}, &open).ok());
  EXPECT_EQ(open.conversations_size(), published);
  for (const auto& c : open.conversations()) EXPECT_EQ(c.last_sequence(), 1u) << c.id();
  EXPECT_EQ(WEXITSTATUS(broker->Stop(SIGTERM)), 0);
}

}  // namespace
}  // namespace omni
