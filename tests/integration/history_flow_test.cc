// A customer's history across conversations, through the real broker: the agent who holds one of
// their conversations reads everything they ever wrote, a page at a time in both orders; other
// agents are refused; Admin reads it too.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using omni::agent::AgentClient;
using omni::testing::NextOffer;
using omni::testing::TempDir;
using omni::testing::Visitor;
using namespace std::chrono_literals;

TEST(HistoryFlowTest, TheCustomersWholeHistoryForTheAgentWhoServesThem) {
  TempDir dir;
  app::BrokerConfig config = testing::TestConfig(dir.path());
  config.routing.ramp_step = Duration::zero();
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  auto alice = AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok());
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());

  // A first conversation, answered and closed; then the customer writes again: a second one.
  Visitor ann(testing::WebChatPort(broker));
  ann.Register("Ann");
  auto [status, first] = ann.Say("My parcel is late");
  ASSERT_EQ(status, 202);
  auto offer = NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  const std::string customer = offer->customer().id();
  ASSERT_TRUE((*alice)->Accept(offer->offer_id()).ok());
  ASSERT_TRUE((*alice)->SendText(first["conversation_id"], "It arrives tomorrow").ok());
  ASSERT_TRUE((*alice)->CloseConversation(first["conversation_id"], "resolved").ok());
  ASSERT_EQ(ann.Say("It did not arrive").first, 202);
  ASSERT_EQ(ann.Say("Still nothing").first, 202);
  auto second = NextOffer(**alice);
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(second->conversation().id(), first["conversation_id"]);

  // Not while only offered.
  EXPECT_EQ((*alice)->CustomerHistory(customer).status().code(), absl::StatusCode::kPermissionDenied);
  ASSERT_TRUE((*alice)->Accept(second->offer_id()).ok());
  auto all = (*alice)->CustomerHistory(customer, 50, /*newest_first=*/false);
  ASSERT_TRUE(all.ok()) << all.status();
  std::vector<std::string> texts;
  for (const auto& e : all->events()) texts.push_back(e.content().text());
  EXPECT_EQ(texts, (std::vector<std::string>{"My parcel is late", "It arrives tomorrow", "It did not arrive", "Still nothing"}));
  EXPECT_TRUE(all->next_page_token().empty());

  // Newest first, two at a time.
  std::vector<std::string> paged;
  std::string token;
  int pages = 0;
  do {
    auto page = (*alice)->CustomerHistory(customer, 2, /*newest_first=*/true, token);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const auto& e : page->events()) paged.push_back(e.content().text());
    token = page->next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(paged, (std::vector<std::string>{"Still nothing", "It did not arrive", "It arrives tomorrow", "My parcel is late"}));
  EXPECT_EQ((*alice)->CustomerHistory(customer, 2, true, "not-a-token").status().code(), absl::StatusCode::kInvalidArgument);

  auto boris = AgentClient::Connect(broker.grpc_address(), "boris");
  ASSERT_TRUE(boris.ok());
  EXPECT_EQ((*boris)->CustomerHistory(customer).status().code(), absl::StatusCode::kPermissionDenied);

  auto admin = omnibroker::v1::Admin::NewStub(grpc::CreateChannel(broker.grpc_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  omnibroker::v1::GetCustomerHistoryRequest request;
  request.set_customer_id(customer);
  request.set_newest_first(true);
  request.set_page_size(1);
  omnibroker::v1::GetHistoryResponse latest;
  ASSERT_TRUE(admin->GetCustomerHistory(&context, request, &latest).ok());
  ASSERT_EQ(latest.events_size(), 1);
  EXPECT_EQ(latest.events(0).content().text(), "Still nothing");
  EXPECT_FALSE(latest.next_page_token().empty());
}

}  // namespace
}  // namespace omni
