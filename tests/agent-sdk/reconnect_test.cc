// The agent SDK against a real broker through a TCP proxy that the test cuts: after every
// reconnect each offer and customer message arrives exactly once and in order, an offer open at
// the cut can still be accepted, a request whose answer was lost in the cut is applied once, and a
// broker fallen silent without closing the connection is noticed by keepalive pings.
#include <future>
#include <set>
#include <thread>

#include "tests/agent-sdk/reconnect_fixture.h"

namespace omni {
namespace {

using omnibroker::v1::AgentUpdate;
using namespace std::chrono_literals;

class ReconnectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = testing::TestConfig(dir_.path(), "tcp://127.0.0.1:*");
    config.routing.ramp_step = Duration::zero();
    broker_ = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker_->Start());
    proxy_ = std::make_unique<testing::TcpProxy>(testing::PortOf(broker_->grpc_address()));
    publisher_ = std::make_unique<testing::IngestPublisher>(broker_->ingest_endpoints().back());
    admin_ = std::make_unique<testing::AdminClient>(broker_->grpc_address());
  }

  bool Connected(const std::string& agent_id) {
    grpc::ClientContext context;
    omnibroker::v1::ListAgentsResponse agents;
    EXPECT_TRUE((*admin_)->ListAgents(&context, {}, &agents).ok());
    for (const auto& a : agents.agents()) {
      if (a.agent().id() == agent_id) return a.connected();
    }
    return false;
  }

  // Cuts the agent's connection and keeps it cut until the broker has seen it go.
  void CutUntilBrokerSees(const std::string& agent_id) {
    proxy_->SetRefusing(true);
    proxy_->Cut();
    ASSERT_TRUE(testing::WaitFor([&] { return !Connected(agent_id); }));
  }

  // Alice, available through the proxy, is offered Ann's new conversation.
  void OfferAnnToAlice() {
    alice_ = testing::AvailableAgent(*proxy_, "alice");
    ASSERT_NE(alice_, nullptr);
    ann_ = testing::Say(*publisher_, "ann-0", "ann", "Hello").conversation_id();
    ASSERT_TRUE(got_.Until(*alice_, [&](auto& r) { return r.OfferFor(ann_) != nullptr; }));
  }

  testing::TempDir dir_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::TcpProxy> proxy_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
  std::unique_ptr<testing::AdminClient> admin_;
  std::unique_ptr<agent::AgentClient> alice_;
  testing::Received got_;  // what alice_ was given
  std::string ann_;
};

TEST_F(ReconnectTest, OffersAndMessagesArriveOnceAndInOrderAcrossCuts) {
  ASSERT_NO_FATAL_FAILURE(OfferAnnToAlice());
  ASSERT_TRUE(alice_->Accept(got_.OfferFor(ann_)->offer_id()).ok());

  std::vector<std::string> said;
  std::string bob;
  for (int i = 1; i <= 30; ++i) {
    // Each cut finds the SDK back, so each is a reconnect of its own.
    if (i % 5 == 0) {
      ASSERT_TRUE(testing::WaitFor([&] { return alice_->connected(); }));
    }
    if (i % 10 == 0) {
      // Cut and kept away: what happens meanwhile waits for the SDK in the broker.
      CutUntilBrokerSees("alice");
      said.push_back("ann-" + std::to_string(i));
      testing::Say(*publisher_, said.back(), "ann", "while away " + std::to_string(i));
      if (bob.empty())
        bob = testing::Say(*publisher_, "bob-0", "bob", "Hi, me too").conversation_id();
      proxy_->SetRefusing(false);
      continue;
    }
    if (i % 5 == 0) proxy_->Cut();  // cut and back at once, while messages flow
    said.push_back("ann-" + std::to_string(i));
    testing::Say(*publisher_, said.back(), "ann", "message " + std::to_string(i));
  }
  ASSERT_TRUE(got_.Until(
      *alice_,
      [&](auto& r) { return r.Messages().size() >= said.size() && r.OfferFor(bob) != nullptr; }))
      << "messages: " << got_.Messages().size() << " of " << said.size();
  got_.Linger(*alice_);

  EXPECT_EQ(got_.Messages(), said);
  EXPECT_EQ(got_.Offers(), (std::map<std::string, int>{{ann_, 1}, {bob, 1}}));
  const auto connection = got_.Connection();
  EXPECT_EQ(std::count(connection.begin(), connection.end(), "RECONNECTING"), 6);
  EXPECT_EQ(std::count(connection.begin(), connection.end(), "CONNECTED resumed"), 6);
  EXPECT_EQ(connection.size(), 12u) << "never caught up from the history: the broker replayed";
  EXPECT_TRUE(alice_->connected());
  EXPECT_GE(proxy_->relayed(), 7);
}

TEST_F(ReconnectTest, AnOfferOpenAtTheCutIsHeldAndComesAgainWithItsIdAndExpiry) {
  ASSERT_NO_FATAL_FAILURE(OfferAnnToAlice());
  const omnibroker::v1::Offer offer = *got_.OfferFor(ann_);

  CutUntilBrokerSees("alice");
  // Lost, not ended by the console: the broker holds the offer for her.
  EXPECT_EQ(admin_->Conversation(ann_).state(), omnibroker::v1::CONVERSATION_STATE_OFFERED);

  // Her console restarted (a new session, nothing to resume): the open offer comes again.
  auto again = agent::AgentClient::Connect(broker_->grpc_address(), "alice");
  ASSERT_TRUE(again.ok()) << again.status();
  testing::Received second;
  ASSERT_TRUE(second.Until(**again, [&](auto& r) { return r.OfferFor(ann_) != nullptr; }));
  EXPECT_EQ(second.OfferFor(ann_)->offer_id(), offer.offer_id());
  EXPECT_EQ(second.OfferFor(ann_)->expires_at().seconds(), offer.expires_at().seconds());
  EXPECT_EQ(second.OfferFor(ann_)->expires_at().nanos(), offer.expires_at().nanos());
  auto conversation = (*again)->Accept(offer.offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  EXPECT_EQ(*conversation, ann_);
  // The first console, still trying to come back, is closed while it waits.
  alice_.reset();

  // A console that ends its stream itself gives its offers back at once.
  ASSERT_TRUE((*again)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::string bob = testing::Say(*publisher_, "bob-0", "bob", "Hi").conversation_id();
  ASSERT_TRUE(second.Until(**again, [&](auto& r) { return r.OfferFor(bob) != nullptr; }));
  (*again)->Close();
  EXPECT_TRUE(testing::WaitFor([&] {
    return admin_->Conversation(bob).state() == omnibroker::v1::CONVERSATION_STATE_QUEUED;
  }));
}

TEST_F(ReconnectTest, RequestsWhoseAnswerWasLostInTheCutAreAppliedOnce) {
  ASSERT_NO_FATAL_FAILURE(OfferAnnToAlice());

  // The broker gets the accept and applies it; its answer is lost with the connection.
  proxy_->SetDroppingReplies(true);
  auto accepted = std::async(std::launch::async,
                             [&] { return alice_->Accept(got_.OfferFor(ann_)->offer_id()); });
  ASSERT_TRUE(
      testing::WaitFor([&] { return admin_->Conversation(ann_).assigned_agent_id() == "alice"; }));
  proxy_->Cut();
  proxy_->SetDroppingReplies(false);
  ASSERT_TRUE(accepted.get().ok());

  // The same for a reply.
  const uint64_t before = admin_->Conversation(ann_).last_sequence();
  proxy_->SetDroppingReplies(true);
  auto sent = std::async(std::launch::async, [&] { return alice_->SendText(ann_, "On it!"); });
  ASSERT_TRUE(
      testing::WaitFor([&] { return admin_->Conversation(ann_).last_sequence() > before; }));
  proxy_->Cut();
  proxy_->SetDroppingReplies(false);
  auto event_id = sent.get();
  ASSERT_TRUE(event_id.ok()) << event_id.status();

  EXPECT_EQ(testing::HistoryTexts(*alice_, ann_), (std::vector<std::string>{"Hello", "On it!"}));
  got_.Linger(*alice_);
  EXPECT_EQ(got_.Count(AgentUpdate::kAssigned), 1);
  const auto connection = got_.Connection();
  EXPECT_EQ(std::count(connection.begin(), connection.end(), "CONNECTED resumed"), 2);
}

TEST_F(ReconnectTest, ABrokerFallenSilentIsNoticedByKeepaliveAndTheClientComesBack) {
  agent::AgentClientOptions options{.target = proxy_->address(), .agent_id = "alice"};
  options.keepalive_time = 1500ms;
  options.keepalive_timeout = 1000ms;
  options.reconnect.initial_backoff = 20ms;
  options.reconnect.max_backoff = 200ms;
  auto client = agent::AgentClient::Connect(options);
  ASSERT_TRUE(client.ok()) << client.status();
  alice_ = std::move(client).value();

  // The connection stays open but the broker's side says nothing more: without pings the quiet
  // stream would wait for ever.
  proxy_->SetDroppingReplies(true);
  auto disconnected = [](const testing::Received& r) {
    const auto c = r.Connection();
    return std::find(c.begin(), c.end(), "RECONNECTING") != c.end();
  };
  ASSERT_TRUE(got_.Until(*alice_, disconnected, 15s)) << "no keepalive noticed the silence";

  proxy_->SetDroppingReplies(false);
  ASSERT_TRUE(got_.Until(*alice_, [](const testing::Received& r) {
    const auto c = r.Connection();
    return !c.empty() && c.back().starts_with("CONNECTED");
  }));
  EXPECT_TRUE(alice_->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
}

}  // namespace
}  // namespace omni
