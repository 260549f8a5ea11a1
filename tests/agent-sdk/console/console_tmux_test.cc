// omni-console for real: the binary runs inside tmux against a real broker, customer messages
// come in through the real ingest, keys go in with send-keys and the screen is read back with
// capture-pane. 80×24: the offer and its countdown, accepting, the customer's history across
// email and WhatsApp in Cyrillic, the card, a multi-line reply that reaches the broker, wrap-up
// with a disposition. 120×40: a handoff note from another agent, a template reply, a transfer
// with a note, then a resize to 80×24. And declining an offer.
#include <gtest/gtest.h>

#include <regex>

#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"
#include "tests/support/tmux_session.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::agent::AgentClient;
using omni::testing::TmuxSession;
using omni::testing::WaitFor;

class ConsoleTmuxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app::BrokerConfig config = testing::TestConfig(dir_.path(), "tcp://127.0.0.1:0");
    config.connectors.clear();
    config.routing.ramp_step = Duration::zero();
    config.routing.offer_timeout = 90s;  // long enough never to expire while the test looks
    config.routing.last_agent_wait = Duration::zero();
    config.routing.personal_manager_wait = Duration::zero();
    broker_ = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker_->Start());
    publisher_ = std::make_unique<testing::IngestPublisher>(broker_->ingest_endpoints().back());
    admin_ = std::make_unique<testing::AdminClient>(broker_->grpc_address());
  }
  void TearDown() override {
    console_.reset();  // the tmux server first: the console logs out
    publisher_.reset();
    broker_->Stop();
  }

  // omni-console as boris (who speaks Russian and English) in a columns×rows tmux session.
  void StartConsole(int columns, int rows) {
    const std::string command = std::string(OMNI_CONSOLE_BINARY) + " --agent boris --broker " +
                                broker_->grpc_address() + " 2>" +
                                (dir_.path() / "console.err").string();
    console_ = std::make_unique<TmuxSession>(dir_.path(), columns, rows, command);
    ASSERT_TRUE(console_->WaitForText("BUSY")) << testing::ReadFile(dir_.path() / "console.err");
  }

  // A customer message through the real ingest; its conversation.
  std::string Say(const std::string& provider, const std::string& handle, const std::string& email,
                  const std::string& text) {
    auto e = testing::MessageFrom(provider + ":" + std::to_string(++next_), provider, handle, text);
    if (provider == "email") e.set_channel(omnibroker::v1::CHANNEL_EMAIL);
    e.mutable_sender()->set_display_name(name_);
    e.mutable_sender()->set_email(email);
    e.mutable_sender()->set_verified(!email.empty());
    const auto ack = publisher_->Publish(e);
    EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
    return ack.conversation_id();
  }

  // The texts of a customer's history, with the agent who wrote each outbound one or a note.
  std::vector<std::string> History(const std::string& customer_id) {
    std::vector<std::string> out;
    const auto history = admin_->CustomerHistory(customer_id);
    for (const auto& e : history.events()) {
      out.push_back((e.agent_id().empty() ? "" : e.agent_id() + ": ") + e.content().text());
    }
    return out;
  }

  bool ScreenMatches(const std::string& pattern) {
    return std::regex_search(console_->Screen(), std::regex(pattern));
  }

  testing::TempDir dir_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
  std::unique_ptr<testing::AdminClient> admin_;
  std::unique_ptr<TmuxSession> console_;
  std::string name_ = "Ольга Петрова";
  int next_ = 0;
};

TEST_F(ConsoleTmuxTest, At80x24FromOfferToWrapUp) {
  // Olga wrote by email first; chen answered and closed it. Then she writes on WhatsApp, in
  // Russian: the same customer (the same verified email), a new conversation.
  auto chen = AgentClient::Connect(broker_->grpc_address(), "chen");
  ASSERT_TRUE(chen.ok());
  ASSERT_TRUE((*chen)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::string by_email =
      Say("email", "olga@example.org", "olga@example.org", "Order 42 is late");
  auto offer = testing::NextOffer(**chen);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE((*chen)->Accept(offer->offer_id()).ok());
  ASSERT_TRUE((*chen)->SendText(by_email, "We are checking").ok());
  ASSERT_TRUE((*chen)->CloseConversation(by_email, "resolved").ok());
  (*chen)->Close();
  const std::string customer = admin_->Conversation(by_email).customer_id();
  {
    grpc::ClientContext context;
    omnibroker::v1::UpdateCustomerRequest request;
    request.set_customer_id(customer);
    request.set_tier(omnibroker::v1::TIER_GOLD);
    request.set_personal_manager_agent_id("alice");
    omnibroker::v1::Customer updated;
    ASSERT_TRUE((*admin_)->UpdateCustomer(&context, request, &updated).ok());
  }

  StartConsole(80, 24);
  const auto lines = console_->Lines();
  ASSERT_EQ(lines.size(), 24u);
  EXPECT_NE(lines[23].find("p Presence  q Quit"), std::string::npos) << "the shortcut bar:\n"
                                                                     << console_->Screen();

  const std::string chat =
      Say("whatsapp", "4915112345678", "olga@example.org", "Здравствуйте, где мой заказ?");
  EXPECT_EQ(admin_->Conversation(chat).customer_id(), customer);
  console_->Keys({"p"});
  ASSERT_TRUE(console_->WaitForText("AVAILABLE"));
  ASSERT_TRUE(console_->WaitForText("OFFER"));
  EXPECT_TRUE(ScreenMatches("offer [01]:[0-9][0-9]")) << console_->Screen();
  EXPECT_TRUE(console_->WaitForText("a Accept  d Decline"));
  EXPECT_TRUE(console_->WaitForText("Ольга Петрова"));
  EXPECT_TRUE(console_->WaitForText("GOLD"));

  console_->Keys({"a"});
  ASSERT_TRUE(console_->WaitForText("accepted"));
  // The whole history, both channels, Cyrillic on screen; the card beside it.
  EXPECT_TRUE(console_->WaitForText("Order 42 is late"));
  EXPECT_TRUE(console_->WaitForText("chen"));
  EXPECT_TRUE(console_->WaitForText("Здравствуйте, где мой заказ?"));
  EXPECT_TRUE(ScreenMatches("email olga@example.org"));
  EXPECT_TRUE(ScreenMatches("whatsapp"));
  EXPECT_TRUE(console_->WaitForText("tier GOLD"));
  EXPECT_TRUE(console_->WaitForText("manager alice"));
  EXPECT_TRUE(ScreenMatches("first [0-9]+:[0-9][0-9]")) << "the SLA countdown:\n"
                                                        << console_->Screen();

  // A reply on two lines.
  console_->Keys({"r"});
  ASSERT_TRUE(console_->WaitForText("^S Send"));
  console_->Type("Добрый день, Ольга!");
  // Esc keeps the draft; r brings it back.
  console_->Keys({"Escape"});
  ASSERT_TRUE(console_->WaitForText("reply kept as a draft"));
  console_->Keys({"r"});
  ASSERT_TRUE(console_->WaitForText("^S Send"));
  EXPECT_TRUE(console_->WaitForText("Добрый день, Ольга!"));
  console_->Keys({"Enter"});
  console_->Type("Заказ уже в пути.");
  ASSERT_TRUE(console_->WaitForText("Заказ уже в пути."));
  console_->Keys({"C-s"});
  ASSERT_TRUE(console_->WaitForText("reply sent"));
  EXPECT_EQ(History(customer).back(), "boris: Добрый день, Ольга!\nЗаказ уже в пути.");
  EXPECT_TRUE(ScreenMatches("whatsapp you"));

  // Wrap-up with a disposition chosen by filter.
  console_->Keys({"w"});
  ASSERT_TRUE(console_->WaitForText("choose the disposition"));
  console_->Type("refund");
  console_->Keys({"Enter"});
  ASSERT_TRUE(console_->WaitForText("wrap-up: refund_issued"));
  EXPECT_EQ(admin_->Conversation(chat).disposition(), "refund_issued");
  EXPECT_EQ(admin_->Conversation(chat).state(), omnibroker::v1::CONVERSATION_STATE_CLOSED);
  EXPECT_TRUE(console_->WaitForText("e End wrap-up"));
  console_->Keys({"e"});
  ASSERT_TRUE(console_->WaitForText("ended"));
  EXPECT_TRUE(console_->WaitForText("nothing yet"));
}

TEST_F(ConsoleTmuxTest, At120x40AHandoffATemplateAndATransfer) {
  name_ = "Ivan Sokolov";
  StartConsole(120, 40);
  ASSERT_EQ(console_->Lines().size(), 40u);
  // alice takes the customer first, then hands them to boris with a note.
  auto alice = AgentClient::Connect(broker_->grpc_address(), "alice");
  ASSERT_TRUE(alice.ok());
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  const std::string chat = Say("whatsapp", "4930111222", "", "My card was charged twice");
  auto offer = testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE((*alice)->Accept(offer->offer_id()).ok());
  const std::string customer = admin_->Conversation(chat).customer_id();
  console_->Keys({"p"});
  ASSERT_TRUE(console_->WaitForText("AVAILABLE"));
  ASSERT_TRUE(
      (*alice)->TransferToAgent(chat, "boris", "Charged twice; finance approved the refund").ok());
  ASSERT_TRUE(console_->WaitForText("OFFER"));
  console_->Keys({"a"});
  ASSERT_TRUE(console_->WaitForText("Handoff notes"));
  EXPECT_TRUE(console_->WaitForText("alice: Charged twice;"));
  EXPECT_TRUE(ScreenMatches("note alice→boris"));

  // A template found by typing, with the customer's name filled in.
  console_->Keys({"t"});
  ASSERT_TRUE(console_->WaitForText("templates: type to search"));
  console_->Type("claim refund");
  ASSERT_TRUE(console_->WaitForText("> [claim] Refund"));
  console_->Keys({"Enter"});
  ASSERT_TRUE(console_->WaitForText("I have started a refund for you, Ivan Sokolov."));
  console_->Keys({"C-s"});
  ASSERT_TRUE(console_->WaitForText("reply sent"));
  EXPECT_EQ(History(customer).back(),
            "boris: I have started a refund for you, Ivan Sokolov. It reaches your account in 3 to "
            "5 business "
            "days.");

  // On to chen with a note (alice, who transferred it, is not offered it again so soon).
  auto chen = AgentClient::Connect(broker_->grpc_address(), "chen");
  ASSERT_TRUE(chen.ok());
  ASSERT_TRUE((*chen)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  console_->Keys({"x"});
  ASSERT_TRUE(console_->WaitForText("transfer to:"));
  console_->Type("chen");
  console_->Keys({"Enter"});
  ASSERT_TRUE(console_->WaitForText("handoff note for chen"));
  console_->Type("Refund sent, please confirm with Ivan");
  console_->Keys({"Enter"});
  ASSERT_TRUE(console_->WaitForText("transferred to chen with a note"));
  auto next = testing::NextOffer(**chen);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->conversation().id(), chat);
  EXPECT_EQ(History(customer).back(), "boris: Refund sent, please confirm with Ivan");
  EXPECT_TRUE(console_->WaitForText("nothing yet")) << "no longer in boris's list";
  auto lines = console_->Lines();
  ASSERT_EQ(lines.size(), 40u);
  EXPECT_NE(lines[39].find("q Quit"), std::string::npos) << console_->Screen();

  // Shrunk to 80×24 while running: laid out again, the shortcut bar still on the last row.
  console_->Resize(80, 24);
  ASSERT_TRUE(WaitFor([&] {
    lines = console_->Lines();
    return lines.size() == 24u && lines[23].find("q Quit") != std::string::npos;
  })) << console_->Screen();
}

TEST_F(ConsoleTmuxTest, ADeclinedOfferLeavesTheListAndGoesBackToTheQueue) {
  StartConsole(80, 24);
  console_->Keys({"p"});
  ASSERT_TRUE(console_->WaitForText("AVAILABLE"));
  const std::string chat = Say("whatsapp", "4930999888", "", "Is anyone there?");
  ASSERT_TRUE(console_->WaitForText("OFFER"));
  console_->Keys({"d"});
  ASSERT_TRUE(console_->WaitForText("offer declined"));
  EXPECT_TRUE(console_->WaitForText("nothing yet"));
  EXPECT_EQ(admin_->Conversation(chat).assigned_agent_id(), "");
  EXPECT_NE(admin_->Conversation(chat).state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
}

}  // namespace
}  // namespace omni
