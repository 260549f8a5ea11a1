// Removing an agent against a real broker (mTLS, tokens): their offers and conversations go back
// to the queue and on to someone else, their stream ends and their tokens stop working, their
// conversations' history and the audit trail stay, and the removal outlives a restart until the
// agent is added back.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/match.h"
#include "base/time_util.h"
#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/secured_broker.h"

namespace omni {
namespace {

using auth::Role;
using omnibroker::v1::PRESENCE_AVAILABLE;
using testing::ConsoleStream;
using testing::SecuredBroker;
using namespace std::chrono_literals;

grpc::Status Remove(SecuredBroker& secured, const std::string& agent_id, const std::string& reason,
                    omnibroker::v1::AuditRecord* audit,
                    const std::string& token = SecuredBroker::Token("ops", Role::kAdmin)) {
  grpc::ClientContext context;
  omnibroker::v1::RemoveAgentRequest request;
  request.set_agent_id(agent_id);
  request.set_requested_by("the-ceo");  // a claim the token does not back
  request.set_reason(reason);
  return secured.Admin(token)->RemoveAgent(&context, request, audit);
}

std::set<std::string> Roster(SecuredBroker& secured) {
  grpc::ClientContext context;
  omnibroker::v1::ListAgentsResponse response;
  EXPECT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->ListAgents(&context, {}, &response)
                  .ok());
  std::set<std::string> ids;
  for (const auto& status : response.agents()) ids.insert(status.agent().id());
  return ids;
}

// A visitor's new conversation; its id.
std::string NewConversation(SecuredBroker& secured, const std::string& name,
                            const std::string& text) {
  testing::Visitor visitor(testing::WebChatPort(secured.broker()));
  visitor.Register(name);
  auto [status, body] = visitor.Say(text);
  EXPECT_EQ(status, 202) << body.dump();
  return body.value("conversation_id", "");
}

TEST(AgentRemovalTest, TheirWorkGoesOnTheirTokensStopTheirHistoryStays) {
  SecuredBroker secured;
  const std::string alices_token = SecuredBroker::Token("alice");
  auto alice = secured.Agent("alice", alices_token);
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(PRESENCE_AVAILABLE).ok());
  const std::string assigned = NewConversation(secured, "Ann", "Hello, my order is late");
  auto first = testing::NextOffer(**alice);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->conversation().id(), assigned);
  ASSERT_TRUE((*alice)->Accept(first->offer_id()).ok());
  const std::string offered = NewConversation(secured, "Bob", "Where is my refund?");
  auto second = testing::NextOffer(**alice);
  ASSERT_TRUE(second.has_value());
  ASSERT_EQ(second->conversation().id(), offered);

  omnibroker::v1::AuditRecord audit;
  const grpc::Status removed = Remove(secured, "alice", "left the company", &audit);
  ASSERT_TRUE(removed.ok()) << removed.error_message();
  EXPECT_EQ(audit.action(), "remove_agent");
  ASSERT_EQ(audit.subjects_size(), 1);
  EXPECT_EQ(audit.subjects(0), "alice");
  EXPECT_EQ(audit.requested_by(), "ops");
  EXPECT_EQ(audit.reason(), "left the company");
  EXPECT_EQ(audit.counts().at("offers_withdrawn"), 1);
  EXPECT_EQ(audit.counts().at("conversations_requeued"), 1);
  EXPECT_EQ(audit.counts().at("wrap_ups_ended"), 0);

  // Her stream ends and her tokens are refused; one minted since names nobody in the roster.
  EXPECT_TRUE(testing::WaitFor([&] { return !(*alice)->connected(); }));
  const grpc::Status old_token = ConsoleStream(secured, "alice", alices_token).Ended();
  EXPECT_EQ(old_token.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(absl::StrContains(old_token.error_message(), "revoked")) << old_token.error_message();
  grpc::ClientContext revocations_context;
  omnibroker::v1::ListRevocationsResponse revocations;
  ASSERT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->ListRevocations(&revocations_context, {}, &revocations)
                  .ok());
  ASSERT_EQ(revocations.revocations_size(), 1);
  EXPECT_EQ(revocations.revocations(0).agent_id(), "alice");
  EXPECT_EQ(revocations.revocations(0).audit_id(), audit.id());
  const std::string minted_since =
      SecuredBroker::TokenIssuedAt("alice", FromProto(revocations.revocations(0).issued_before()));
  EXPECT_EQ(ConsoleStream(secured, "alice", minted_since).LoginCode(),
            static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_FALSE(Roster(secured).contains("alice"));

  // Nothing is lost: both conversations go to a colleague, the accepted one first.
  auto chen = secured.Agent("chen", SecuredBroker::Token("chen"));
  ASSERT_TRUE(chen.ok()) << chen.status();
  ASSERT_TRUE((*chen)->SetPresence(PRESENCE_AVAILABLE).ok());
  std::set<std::string> handed;
  for (int i = 0; i < 2; ++i) {
    auto offer = testing::NextOffer(**chen);
    ASSERT_TRUE(offer.has_value()) << i;
    handed.insert(offer->conversation().id());
  }
  EXPECT_EQ(handed, (std::set<std::string>{assigned, offered}));

  // What she did stays on record.
  grpc::ClientContext conversation_context;
  omnibroker::v1::GetConversationRequest get;
  get.set_conversation_id(assigned);
  omnibroker::v1::Conversation record;
  ASSERT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->GetConversation(&conversation_context, get, &record)
                  .ok());
  ASSERT_GE(record.assignments_size(), 1);
  EXPECT_EQ(record.assignments(0).agent_id(), "alice");
  EXPECT_EQ(record.assignments(0).end_reason(), "agent_removed");
  grpc::ClientContext audit_context;
  omnibroker::v1::ListAuditResponse trail;
  ASSERT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->ListAudit(&audit_context, {}, &trail)
                  .ok());
  ASSERT_EQ(trail.records_size(), 1);
  EXPECT_EQ(trail.records(0).id(), audit.id());
  (*chen)->Close();
  (*alice)->Close();

  // The config file lists her, yet she stays removed across a restart, until Admin adds her back.
  secured.Restart();
  EXPECT_FALSE(Roster(secured).contains("alice"));
  grpc::ClientContext upsert_context;
  omnibroker::v1::UpsertAgentRequest upsert;
  *upsert.mutable_agent() = app::DefaultConfig().agents[0];
  ASSERT_EQ(upsert.agent().id(), "alice");
  omnibroker::v1::Agent upserted;
  ASSERT_TRUE(secured.Admin(SecuredBroker::Token("ops", Role::kAdmin))
                  ->UpsertAgent(&upsert_context, upsert, &upserted)
                  .ok());
  secured.Restart();
  EXPECT_TRUE(Roster(secured).contains("alice"));
}

TEST(AgentRemovalTest, ARemovalNamesAnAgentOfTheRosterAndSaysWhy) {
  SecuredBroker secured;
  omnibroker::v1::AuditRecord audit;
  const grpc::Status unknown = Remove(secured, "zoe", "why", &audit);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.error_message(), "agent_id: no agent 'zoe' in the roster");
  const grpc::Status no_reason = Remove(secured, "boris", "", &audit);
  EXPECT_EQ(no_reason.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(no_reason.error_message(), "who asked and why"))
      << no_reason.error_message();
  EXPECT_EQ(Remove(secured, "", "why", &audit).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const grpc::Status supervisor =
      Remove(secured, "boris", "why", &audit, SecuredBroker::Token("sofia", Role::kSupervisor));
  EXPECT_EQ(supervisor.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Roster(secured).contains("boris"));
}

}  // namespace
}  // namespace omni
