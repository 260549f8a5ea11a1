// The Python example console (agent-sdk/python, run with Debian's /usr/bin/python3 and its
// grpcio) against a real broker: it logs in, gets the offer for a customer message the test
// publishes, accepts and replies; the reply is in the conversation's history.
#include <cstdlib>
#include <future>

#include "tests/agent-sdk/reconnect_fixture.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

TEST(PythonClientTest, TheExampleAnswersAnOfferAndItsReplyIsInTheHistory) {
  testing::TempDir dir;
  auto config = testing::TestConfig(dir.path(), "tcp://127.0.0.1:*");
  config.routing.ramp_step = Duration::zero();
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  testing::IngestPublisher publisher(broker.ingest_endpoints().back());
  testing::AdminClient admin(broker.grpc_address());

  const auto log = dir.path() / "python.log";
  const std::string command =
      std::string("/usr/bin/python3 ") + OMNI_SOURCE_DIR +
      "/agent-sdk/python/auto_reply_agent.py --broker " + broker.grpc_address() +
      " --agent alice --reply 'Hello from Python' --offers 1 --timeout 30 > " + log.string() +
      " 2>&1";
  auto exit = std::async(std::launch::async, [&] { return std::system(command.c_str()); });
  const std::string conversation =
      testing::Say(publisher, "py-1", "pat", "Hi,\x1b[2J is anyone there?").conversation_id();

  const int status = exit.get();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << testing::ReadFile(log);
  const std::string output = testing::ReadFile(log);
  EXPECT_NE(output.find("offer " + conversation + "/"), std::string::npos) << output;
  EXPECT_NE(output.find("replied in " + conversation), std::string::npos) << output;
  EXPECT_NE(output.find(": Hi,\\u001b[2J is anyone there?"), std::string::npos)
      << "the customer's escape sequence shows, it does not act: " << output;
  EXPECT_EQ(output.find('\x1b'), std::string::npos) << output;

  grpc::ClientContext context;
  omnibroker::v1::GetCustomerHistoryRequest request;
  request.set_customer_id(admin.Conversation(conversation).customer_id());
  omnibroker::v1::GetHistoryResponse history;
  ASSERT_TRUE(admin->GetCustomerHistory(&context, request, &history).ok());
  std::vector<std::string> texts;
  for (const auto& e : history.events()) texts.push_back(e.content().text());
  EXPECT_EQ(texts, (std::vector<std::string>{"Hi,\x1b[2J is anyone there?", "Hello from Python"}));
  EXPECT_EQ(admin.Conversation(conversation).assigned_agent_id(), "alice");
}

TEST(PythonClientTest, TheExampleSaysWhatIsWrongWithABadLogin) {
  testing::TempDir dir;
  app::BrokerApp broker(testing::TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const auto log = dir.path() / "python.log";
  const std::string command = std::string("/usr/bin/python3 ") + OMNI_SOURCE_DIR +
                              "/agent-sdk/python/auto_reply_agent.py --broker " +
                              broker.grpc_address() + " --agent nobody --timeout 10 > " +
                              log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  EXPECT_NE(testing::ReadFile(log).find("login refused: login.agent_id: no agent 'nobody'"),
            std::string::npos)
      << testing::ReadFile(log);
}

}  // namespace
}  // namespace omni
