// The agent SDK when the broker binary is killed with SIGKILL and started again on the same
// data: the SDK reconnects by itself, cannot resume (a new broker), so it catches up — the
// assigned conversation is back in the new login, and the customer message stored while it was
// away is delivered once, from the history — and it keeps working (replies, new messages).
#include <signal.h>

#include "tests/agent-sdk/reconnect_fixture.h"
#include "tests/support/broker_process.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

class Broker : public testing::BrokerProcess {
 public:
  Broker(const std::filesystem::path& dir, int grpc_port, int ingest_port)
      : testing::BrokerProcess(
            OMNI_BROKER_BINARY, dir,
            {"--grpc-listen=127.0.0.1:" + std::to_string(grpc_port), "--no-webchat",
             "--ingest-listen=tcp://127.0.0.1:" + std::to_string(ingest_port)}) {}
};

TEST(BrokerRestartTest, TheSdkReconnectsToARestartedBrokerAndCatchesUp) {
  testing::TempDir dir;
  const int grpc_port = testing::FreePort();
  const int ingest_port = testing::FreePort();
  auto broker = std::make_unique<Broker>(dir.path(), grpc_port, ingest_port);
  testing::TcpProxy proxy(grpc_port);
  testing::IngestPublisher publisher("tcp://127.0.0.1:" + std::to_string(ingest_port));

  std::unique_ptr<agent::AgentClient> alice;
  ASSERT_TRUE(testing::WaitFor(
      [&] { return (alice = testing::AvailableAgent(proxy, "alice")) != nullptr; }, 20s))
      << testing::ReadFile(dir.path() / "broker.log");
  testing::Received got;
  const std::string ann = testing::Say(publisher, "ann-0", "ann", "Hello").conversation_id();
  ASSERT_TRUE(got.Until(*alice, [&](auto& r) { return r.OfferFor(ann) != nullptr; }));
  ASSERT_TRUE(alice->Accept(got.OfferFor(ann)->offer_id()).ok());
  ASSERT_TRUE(alice->SendText(ann, "Hi Ann").ok());

  // Killed while the console is away; a message is stored by the new broker before it is back.
  proxy.SetRefusing(true);
  proxy.Cut();
  ASSERT_TRUE(WIFSIGNALED(broker->Stop(SIGKILL)));
  broker = std::make_unique<Broker>(dir.path(), grpc_port, ingest_port);
  testing::Say(publisher, "ann-1", "ann", "Are you still there?");
  proxy.SetRefusing(false);

  ASSERT_TRUE(got.Until(
      *alice, [](auto& r) { return r.Messages().size() >= 1; }, 30s))
      << testing::ReadFile(dir.path() / "broker.log");
  const auto connection = got.Connection();
  ASSERT_FALSE(connection.empty());
  EXPECT_EQ(connection.front(), "RECONNECTING");
  EXPECT_EQ(connection.back(), "CONNECTED caught up");
  const omnibroker::v1::LoginResult* login = nullptr;
  for (const auto& u : got.updates) {
    if (u.has_connection() &&
        u.connection().state() == omnibroker::v1::ConnectionChange::CONNECTED) {
      login = &u.connection().login();
    }
  }
  ASSERT_NE(login, nullptr);
  ASSERT_EQ(login->assigned_size(), 1);
  EXPECT_EQ(login->assigned(0).conversation().id(), ann);
  EXPECT_FALSE(login->resumed());

  // Still at work: a reply, and the next message live.
  ASSERT_TRUE(alice->SendText(ann, "Yes, still here").ok());
  testing::Say(publisher, "ann-2", "ann", "Great");
  ASSERT_TRUE(got.Until(*alice, [](auto& r) { return r.Messages().size() >= 2; }));
  got.Linger(*alice);
  EXPECT_EQ(got.Messages(), (std::vector<std::string>{"ann-1", "ann-2"}));
  EXPECT_EQ(testing::HistoryTexts(*alice, ann),
            (std::vector<std::string>{"Hello", "Hi Ann", "Are you still there?", "Yes, still here",
                                      "Great"}));
  alice->Close();
}

}  // namespace
}  // namespace omni
