// The identity graph through the real broker: a verified phone joins a WhatsApp user and a caller
// into one customer; look-alike ids stay apart; Admin merges and unmerges customers, with their
// history following, and every link and merge says where it came from.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::TempDir;

class IdentityFlowTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(false); }

  void Start(bool join_across_channels) {
    app::BrokerConfig config = testing::TestConfig(dir_.path(), "tcp://127.0.0.1:0");
    config.connectors.clear();
    config.join_open_conversation_across_channels = join_across_channels;
    broker_ = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker_->Start());
    publisher_ = std::make_unique<testing::IngestPublisher>(broker_->ingest_endpoints().back());
    admin_ = std::make_unique<testing::AdminClient>(broker_->grpc_address());
  }
  void TearDown() override { Stop(); }

  void Stop() {
    publisher_.reset();
    broker_->Stop();
  }

  // The conversation the last Say() went to.
  std::string last_conversation_;

  // Publishes a message from the given identity; the customer it was filed under.
  std::string Say(const std::string& provider, const std::string& handle, const std::string& phone,
                  const std::string& email, bool verified, const std::string& text) {
    auto e = testing::MessageFrom(provider + ":" + std::to_string(next_++), provider, handle, text);
    e.mutable_sender()->set_phone(phone);
    e.mutable_sender()->set_email(email);
    e.mutable_sender()->set_verified(verified);
    const auto ack = publisher_->Publish(e);
    EXPECT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.reason();
    last_conversation_ = ack.conversation_id();
    return Conversation(ack.conversation_id()).customer_id();
  }

  omnibroker::v1::Conversation Conversation(const std::string& id) { return admin_->Conversation(id); }
  omnibroker::v1::Customer Customer(const std::string& id) { return admin_->Customer(id); }
  std::vector<std::string> History(const std::string& customer) {
    const auto history = admin_->CustomerHistory(customer);
    std::vector<std::string> texts;
    for (const auto& e : history.events()) texts.push_back(e.content().text());
    return texts;
  }

  TempDir dir_;
  std::unique_ptr<app::BrokerApp> broker_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
  std::unique_ptr<testing::AdminClient> admin_;
  int next_ = 0;
};

TEST_F(IdentityFlowTest, AVerifiedPhoneJoinsChannelsIntoOneCustomer) {
  const std::string on_whatsapp = Say("whatsapp", "4915112345678", "+4915112345678", "", true, "Hi on WhatsApp");
  const std::string calling = Say("sip", "sip:+4915112345678@pbx.example", "+4915112345678", "", true, "(call)");
  EXPECT_EQ(calling, on_whatsapp);
  const auto customer = Customer(on_whatsapp);
  ASSERT_EQ(customer.identities_size(), 2);
  EXPECT_EQ(customer.identities(1).identity().provider(), "sip");
  EXPECT_EQ(customer.identities(1).linked_by(), "ingest: same verified phone");
  EXPECT_EQ(customer.identities(1).source_event_id(), "sip:1");
  EXPECT_EQ(History(on_whatsapp), (std::vector<std::string>{"Hi on WhatsApp", "(call)"}));
}

TEST_F(IdentityFlowTest, ANewChannelOpensANewConversationOrJoinsTheOpenOneWhenConfigured) {
  Say("whatsapp", "4915199999999", "+4915199999999", "", true, "chat first");
  const std::string chat = last_conversation_;
  Say("sip", "sip:+4915199999999@pbx", "+4915199999999", "", true, "then a call");
  const std::string call = last_conversation_;
  EXPECT_NE(call, chat) << "by default a new conversation, linked by the customer's history";

  Stop();
  Start(/*join_across_channels=*/true);
  Say("email", "x@example.org", "+4915199999999", "", true, "and an email");
  EXPECT_EQ(last_conversation_, call) << "joined the open conversation the customer wrote in last";
  const auto joined = Conversation(call);
  EXPECT_EQ(joined.last_sequence(), 2u);
  EXPECT_EQ(joined.provider(), "email") << "replies go where the customer last wrote from";
}

TEST_F(IdentityFlowTest, AnIdentityVouchingForTwoCustomersContactsMergesThem) {
  const std::string by_sms = Say("sms", "+4930111222", "+4930111222", "", true, "sms");
  const std::string by_mail = Say("email", "bob@example.org", "", "bob@example.org", true, "mail");
  ASSERT_NE(by_sms, by_mail);
  const std::string both = Say("whatsapp", "4930111222", "+4930111222", "bob@example.org", true, "whatsapp");
  EXPECT_EQ(both, by_sms);
  EXPECT_EQ(Customer(by_mail).merged_into(), by_sms);
  ASSERT_EQ(Customer(by_sms).merges_size(), 1);
  EXPECT_EQ(Customer(by_sms).merges(0).merged_by(), "ingest: same verified email");
  EXPECT_EQ(History(by_sms), (std::vector<std::string>{"sms", "mail", "whatsapp"}));
}

TEST_F(IdentityFlowTest, LookAlikesStayApart) {
  // Viber ids above 2^53 differ only in digits a double would lose.
  const std::string a = Say("viber", "12345678901234567890", "", "", false, "a");
  const std::string b = Say("viber", "12345678901234567891", "", "", false, "b");
  EXPECT_NE(a, b);
  // A WhatsApp user known by a business-scoped id and no phone is nobody else.
  const std::string no_phone = Say("whatsapp", "US.13491208655302741918", "", "", true, "c");
  const std::string with_phone = Say("whatsapp", "13491208655", "+13491208655", "", true, "d");
  EXPECT_NE(no_phone, with_phone);
  // An email a visitor typed (not verified) links nothing; the same address verified does.
  const std::string typed = Say("webchat", "visitor-1", "", "ann@example.org", false, "e");
  const std::string mailed = Say("email", "ann@example.org", "", "Ann@Example.org", true, "f");
  EXPECT_NE(typed, mailed);
  const std::string again = Say("email", "ann.other-alias@example.org", "", "ann@example.org", true, "g");
  EXPECT_EQ(again, mailed) << "same verified email, lower-cased";
}

TEST_F(IdentityFlowTest, AdminMergesAndUnmergesWithProvenance) {
  const std::string telegram = Say("telegram", "777", "", "", false, "first, on Telegram");
  const std::string viber = Say("viber", "888", "", "", false, "then on Viber");
  ASSERT_NE(telegram, viber);
  {
    grpc::ClientContext context;
    omnibroker::v1::MergeCustomersRequest request;
    request.set_from_customer_id(viber);
    request.set_into_customer_id(telegram);
    request.set_requested_by("sofia");
    request.set_reason("same person, confirmed on the phone");
    omnibroker::v1::Customer merged;
    ASSERT_TRUE((*admin_)->MergeCustomers(&context, request, &merged).ok());
    ASSERT_EQ(merged.merges_size(), 1);
    EXPECT_EQ(merged.merges(0).merged_by(), "admin:sofia");
  }
  EXPECT_EQ(Customer(viber).merged_into(), telegram);
  EXPECT_EQ(History(telegram), (std::vector<std::string>{"first, on Telegram", "then on Viber"}));
  EXPECT_EQ(History(viber), History(telegram)) << "the merged id reads the merged history";
  EXPECT_EQ(Say("viber", "888", "", "", false, "after the merge"), viber) << "the conversation stays";
  EXPECT_EQ(History(telegram).back(), "after the merge");
  {
    grpc::ClientContext context;
    omnibroker::v1::MergeCustomersRequest request;
    request.set_from_customer_id(viber);
    request.set_into_customer_id(telegram);
    omnibroker::v1::Customer merged;
    EXPECT_EQ((*admin_)->MergeCustomers(&context, request, &merged).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
  {
    grpc::ClientContext context;
    omnibroker::v1::UnmergeCustomerRequest request;
    request.set_customer_id(viber);
    request.set_requested_by("sofia");
    omnibroker::v1::Customer alone;
    ASSERT_TRUE((*admin_)->UnmergeCustomer(&context, request, &alone).ok());
    EXPECT_TRUE(alone.merged_into().empty());
  }
  EXPECT_EQ(History(telegram), (std::vector<std::string>{"first, on Telegram"}));
  EXPECT_EQ(History(viber), (std::vector<std::string>{"then on Viber", "after the merge"}));
  EXPECT_EQ(Customer(telegram).merges_size(), 0);
}

TEST_F(IdentityFlowTest, ErasureRemovesEverythingOfTheCustomerAndLeavesAnAuditRecord) {
  const std::string ann = Say("whatsapp", "4915100000001", "+4915100000001", "", true, "ann on whatsapp");
  ASSERT_EQ(Say("sip", "sip:+4915100000001@pbx", "+4915100000001", "", true, "ann calling"), ann);
  const std::string bob = Say("telegram", "4242", "", "", false, "bob on telegram");
  {
    grpc::ClientContext context;
    omnibroker::v1::EraseCustomerRequest request;
    request.set_customer_id(ann);
    omnibroker::v1::AuditRecord record;
    EXPECT_EQ((*admin_)->EraseCustomer(&context, request, &record).error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << "an erasure says who asked and why";
  }
  omnibroker::v1::AuditRecord record;
  {
    grpc::ClientContext context;
    omnibroker::v1::EraseCustomerRequest request;
    request.set_customer_id(ann);
    request.set_requested_by("dpo@example.org");
    request.set_reason("erasure request #1234");
    ASSERT_TRUE((*admin_)->EraseCustomer(&context, request, &record).ok());
  }
  EXPECT_EQ(record.counts().at("events"), 2);
  EXPECT_EQ(record.counts().at("conversations"), 2);
  EXPECT_EQ(record.counts().at("identities"), 3) << "two handles and the phone";
  EXPECT_EQ(record.counts().at("customers"), 1);

  {
    grpc::ClientContext context;
    omnibroker::v1::GetCustomerRequest request;
    request.set_customer_id(ann);
    omnibroker::v1::Customer customer;
    EXPECT_EQ((*admin_)->GetCustomer(&context, request, &customer).error_code(), grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    omnibroker::v1::ListConversationsResponse open;
    ASSERT_TRUE((*admin_)->ListConversations(&context, {}, &open).ok());
    ASSERT_EQ(open.conversations_size(), 1) << "only Bob's is left";
    EXPECT_EQ(open.conversations(0).customer_id(), bob);
  }
  EXPECT_EQ(History(bob), (std::vector<std::string>{"bob on telegram"}));
  // Writing again, Ann is someone new: nothing of hers was kept to recognise her by.
  const std::string again = Say("whatsapp", "4915100000001", "+4915100000001", "", true, "hello again");
  EXPECT_NE(again, ann);
  EXPECT_EQ(History(again), (std::vector<std::string>{"hello again"}));

  grpc::ClientContext context;
  omnibroker::v1::ListAuditResponse audit;
  ASSERT_TRUE((*admin_)->ListAudit(&context, {}, &audit).ok());
  ASSERT_EQ(audit.records_size(), 1);
  EXPECT_EQ(audit.records(0).action(), "erase_customer");
  EXPECT_EQ(audit.records(0).requested_by(), "dpo@example.org");
  EXPECT_EQ(audit.records(0).subjects(0), ann);
}

}  // namespace
}  // namespace omni
