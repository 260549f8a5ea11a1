// The whole broker, for real: RocksDB in a temp dir, ZeroMQ, gRPC on a free 127.0.0.1 port, the
// web chat connector on a free HTTP port. A visitor (HTTP client) talks to an agent (agent-sdk).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "broker/app/broker_app.h"
#include "connectors/webchat/webchat_connector.h"
#include "omni/agent/agent_client.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::agent::AgentClient;
using omni::testing::NextOffer;
using omni::testing::TestConfig;
using omni::testing::Visitor;
using omni::testing::WebChatPort;
using omni::testing::TempDir;
using omni::testing::WaitFor;

// Logs `agent_id` in, makes them available and accepts the first offer: the conversation id.
std::string TakeFirstConversation(app::BrokerApp& broker, const std::string& agent_id,
                                  std::unique_ptr<AgentClient>& agent) {
  auto connected = AgentClient::Connect(broker.grpc_address(), agent_id);
  EXPECT_TRUE(connected.ok()) << connected.status();
  if (!connected.ok()) return "";
  agent = std::move(connected).value();
  EXPECT_TRUE(agent->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = NextOffer(*agent);
  EXPECT_TRUE(offer.has_value());
  if (!offer) return "";
  auto conversation = agent->Accept(offer->offer_id());
  EXPECT_TRUE(conversation.ok()) << conversation.status();
  return conversation.value_or("");
}

TEST(BrokerFlowTest, VisitorAndAgentExchangeMessages) {
  TempDir dir;
  app::BrokerApp broker(TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  Visitor ann(WebChatPort(broker));
  ann.Register("Ann");
  auto [status, posted] = ann.Say("Hello, my order is late");
  ASSERT_EQ(status, 202) << posted.dump();

  auto alice = AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->conversation().id(), posted["conversation_id"]);
  EXPECT_EQ(offer->customer().display_name(), "Ann");
  EXPECT_EQ(offer->last_event().content().text(), "Hello, my order is late");

  auto conversation = (*alice)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*alice)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->events_size(), 1);
  EXPECT_EQ(history->events(0).content().text(), "Hello, my order is late");

  auto reply = (*alice)->SendText(*conversation, "Sorry! It ships today.", "r1");
  ASSERT_TRUE(reply.ok()) << reply.status();
  json got = ann.Poll(0, 10);
  ASSERT_EQ(got["messages"].size(), 1u) << got.dump();
  EXPECT_EQ(got["messages"][0]["text"], "Sorry! It ships today.");
  EXPECT_EQ(got["messages"][0]["agent_id"], "alice");

  // The visitor answers: the agent sees it live, and the history holds all three in order.
  ASSERT_EQ(ann.Say("Thank you!").first, 202);
  bool seen = false;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*alice)->Next(50ms);
    if (u && u->has_message() && u->message().event().content().text() == "Thank you!") seen = true;
    return seen;
  }));
  history = (*alice)->History(*conversation);
  ASSERT_EQ(history->events_size(), 3);
  EXPECT_EQ(history->events(1).direction(), omnibroker::v1::DIRECTION_OUTBOUND);
  EXPECT_EQ(history->events(2).sequence(), 3u);

  // Another agent may not read or write it.
  auto boris = AgentClient::Connect(broker.grpc_address(), "boris");
  ASSERT_TRUE(boris.ok());
  EXPECT_EQ((*boris)->History(*conversation).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ((*boris)->SendText(*conversation, "hi").status().code(), absl::StatusCode::kPermissionDenied);

  ASSERT_TRUE((*alice)->CloseConversation(*conversation, "resolved").ok());
  (*alice)->Close();
  (*boris)->Close();
}

TEST(BrokerFlowTest, UnansweredOfferTimesOutAndGoesToAnotherAgent) {
  TempDir dir;
  app::BrokerConfig config = TestConfig(dir.path());
  config.routing.offer_timeout = 300ms;
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  auto alice = AgentClient::Connect(broker.grpc_address(), "alice");
  auto boris = AgentClient::Connect(broker.grpc_address(), "boris");
  ASSERT_TRUE(alice.ok() && boris.ok());
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  ASSERT_TRUE((*boris)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  Visitor ann(WebChatPort(broker));
  ann.Register("Ann");
  ASSERT_EQ(ann.Say("hello?").first, 202);

  // Equal load: the tie goes to alice, who does not answer.
  auto first = NextOffer(**alice);
  ASSERT_TRUE(first.has_value());
  bool revoked = false;
  ASSERT_TRUE(WaitFor([&] {
    auto u = (*alice)->Next(50ms);
    if (u && u->has_offer_revoked()) revoked = u->offer_revoked().reason() == "timeout";
    return revoked;
  }));
  auto second = NextOffer(**boris);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->conversation().id(), first->conversation().id());
  EXPECT_EQ((*alice)->Accept(first->offer_id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*boris)->Accept(second->offer_id()).ok());
  (*alice)->Close();
  (*boris)->Close();
}

TEST(BrokerFlowTest, DuplicateMessageIsStoredOnce) {
  TempDir dir;
  app::BrokerApp broker(TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  Visitor ann(WebChatPort(broker));
  ann.Register("Ann");
  auto first = ann.Say("Is anyone there?", "m-1");
  auto again = ann.Say("Is anyone there?", "m-1");
  ASSERT_EQ(first.first, 202);
  ASSERT_EQ(again.first, 202);
  EXPECT_EQ(first.second["duplicate"], false);
  EXPECT_EQ(again.second["duplicate"], true);
  EXPECT_EQ(first.second["conversation_id"], again.second["conversation_id"]);

  std::unique_ptr<AgentClient> alice;
  const std::string conversation = TakeFirstConversation(broker, "alice", alice);
  ASSERT_FALSE(conversation.empty());
  EXPECT_EQ(alice->History(conversation)->events_size(), 1);
  // The agent's resend of the same reply is one reply too.
  auto r1 = alice->SendText(conversation, "Yes!", "same");
  auto r2 = alice->SendText(conversation, "Yes!", "same");
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(*r1, *r2);
  EXPECT_EQ(alice->History(conversation)->events_size(), 2);
  alice->Close();
}

TEST(BrokerFlowTest, RestartKeepsWaitingConversationsAndAssignments) {
  TempDir dir;
  std::vector<std::string> tokens;
  std::string assigned_conversation;
  {
    app::BrokerApp broker(TestConfig(dir.path()));
    ASSERT_OK(broker.Start());
    for (const char* name : {"Ann", "Bob", "Cleo"}) {
      Visitor v(WebChatPort(broker));
      v.Register(name);
      ASSERT_EQ(v.Say(std::string("I am ") + name).first, 202);
      tokens.push_back(v.token());
    }
    std::unique_ptr<AgentClient> alice;
    assigned_conversation = TakeFirstConversation(broker, "alice", alice);
    ASSERT_FALSE(assigned_conversation.empty());
    alice->Close();
    broker.Stop();
  }

  app::BrokerApp broker(TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  auto channel = grpc::CreateChannel(broker.grpc_address(), grpc::InsecureChannelCredentials());
  auto admin = omnibroker::v1::Admin::NewStub(channel);
  grpc::ClientContext ctx;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(admin->ListConversations(&ctx, {}, &open).ok());
  ASSERT_EQ(open.conversations_size(), 3);
  int queued = 0;
  for (const auto& c : open.conversations()) {
    if (c.id() == assigned_conversation) {
      EXPECT_EQ(c.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
      EXPECT_EQ(c.assigned_agent_id(), "alice");
    } else {
      EXPECT_EQ(c.state(), omnibroker::v1::CONVERSATION_STATE_QUEUED);
      ++queued;
    }
  }
  EXPECT_EQ(queued, 2);

  // Alice gets her conversation back at login, with its history; the waiting ones are offered.
  auto alice = AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok());
  ASSERT_EQ((*alice)->login().assigned_size(), 1);
  const auto& given = (*alice)->login().assigned(0);
  EXPECT_EQ(given.conversation().id(), assigned_conversation);
  EXPECT_EQ(given.customer().id(), given.conversation().customer_id()) << "the customer card comes along";
  EXPECT_EQ(given.targets().first_response().seconds(), 600) << "and the standard tier's deadlines";
  EXPECT_EQ(given.targets().next_response().seconds(), 900);
  EXPECT_EQ((*alice)->History(assigned_conversation)->events_size(), 1);
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  EXPECT_TRUE(NextOffer(**alice).has_value());
  // The visitor's token still works after the restart and threads into the same conversation.
  Visitor ann(WebChatPort(broker));
  ann.Use(tokens[0]);
  EXPECT_EQ(ann.Say("still there?").first, 202);
  (*alice)->Close();
}

TEST(BrokerFlowTest, MalformedIngestFramesAreRejectedWithAReasonAndDoNotHurt) {
  TempDir dir;
  app::BrokerApp broker(TestConfig(dir.path(), "tcp://127.0.0.1:*"));
  ASSERT_OK(broker.Start());
  ASSERT_EQ(broker.ingest_endpoints().size(), 2u);
  zmq::context_t zmq;
  zmq::socket_t dealer(zmq, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.set(zmq::sockopt::rcvtimeo, 5000);
  dealer.connect(broker.ingest_endpoints()[1]);

  dealer.send(zmq::str_buffer("\xff\xff not a protobuf"), zmq::send_flags::none);
  omnibroker::v1::ConnectorFrame frame;
  frame.mutable_event()->set_id("bad-1");  // no tenant, sender, thread…
  dealer.send(zmq::buffer(frame.SerializeAsString()), zmq::send_flags::none);

  zmq::message_t reply;
  ASSERT_TRUE(dealer.recv(reply));
  omnibroker::v1::BrokerFrame answer;
  ASSERT_TRUE(answer.ParseFromArray(reply.data(), reply.size()));
  EXPECT_EQ(answer.ack().event_id(), "bad-1");
  EXPECT_EQ(answer.ack().status(), omnibroker::v1::INGEST_STATUS_REJECTED);
  EXPECT_EQ(answer.ack().reason(), "tenant: is required");

  // Still serving.
  Visitor ann(WebChatPort(broker));
  ann.Register("Ann");
  EXPECT_EQ(ann.Say("hello").first, 202);
}

}  // namespace
}  // namespace omni
