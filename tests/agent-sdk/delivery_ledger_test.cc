// DeliveryLedger: replays and repeats are dropped; after a login that did not resume, the user
// is brought in line (offers new and gone, conversations gained and lost, missed customer
// messages from the history), each thing once.
#include "agent-sdk/src/delivery_ledger.h"

#include <gtest/gtest.h>

namespace omni::agent {
namespace {

using omnibroker::v1::AgentUpdate;
using omnibroker::v1::LoginResult;

omnibroker::v1::Offer OfferOf(const std::string& offer_id, const std::string& conversation_id) {
  omnibroker::v1::Offer offer;
  offer.set_offer_id(offer_id);
  offer.mutable_conversation()->set_id(conversation_id);
  offer.mutable_expires_at()->set_seconds(1'900'000'000);
  return offer;
}

AgentUpdate OfferUpdate(uint64_t sequence, const std::string& offer_id,
                        const std::string& conversation_id) {
  AgentUpdate u;
  u.set_sequence(sequence);
  *u.mutable_offer() = OfferOf(offer_id, conversation_id);
  return u;
}

omnibroker::v1::Event EventOf(const std::string& conversation_id, uint64_t sequence,
                              const std::string& agent = "") {
  omnibroker::v1::Event e;
  e.set_id(conversation_id + "-" + std::to_string(sequence));
  e.set_conversation_id(conversation_id);
  e.set_sequence(sequence);
  e.set_agent_id(agent);
  e.set_direction(agent.empty() ? omnibroker::v1::DIRECTION_INBOUND
                                : omnibroker::v1::DIRECTION_OUTBOUND);
  return e;
}

AgentUpdate MessageUpdate(uint64_t sequence, const std::string& conversation_id,
                          uint64_t event_sequence) {
  AgentUpdate u;
  u.set_sequence(sequence);
  *u.mutable_message()->mutable_event() = EventOf(conversation_id, event_sequence);
  return u;
}

LoginResult Login(const std::string& session, bool resumed, std::vector<std::string> assigned,
                  std::vector<omnibroker::v1::Offer> offers = {}) {
  LoginResult login;
  login.set_session(session);
  login.set_resumed(resumed);
  for (const auto& id : assigned) {
    auto* c = login.add_assigned()->mutable_conversation();
    c->set_id(id);
    c->set_last_sequence(3);
  }
  for (auto& o : offers) *login.add_offers() = o;
  return login;
}

// "offer o1", "revoked o1", "assigned c1", "message c1-4", "closed c1"
std::vector<std::string> Describe(const std::vector<AgentUpdate>& updates) {
  std::vector<std::string> out;
  for (const auto& u : updates) {
    if (u.has_offer()) out.push_back("offer " + u.offer().offer_id());
    if (u.has_offer_revoked()) out.push_back("revoked " + u.offer_revoked().offer_id());
    if (u.has_assigned()) out.push_back("assigned " + u.assigned().conversation().id());
    if (u.has_message()) out.push_back("message " + u.message().event().id());
    if (u.has_closed()) out.push_back("closed " + u.closed().conversation_id());
  }
  return out;
}

TEST(DeliveryLedgerTest, DropsWhatWasDeliveredAlready) {
  DeliveryLedger ledger;
  EXPECT_TRUE(ledger.Login(Login("s1", false, {"c1"}), /*initial=*/true).empty());
  EXPECT_EQ(ledger.session(), "s1");
  EXPECT_TRUE(ledger.Admit(MessageUpdate(1, "c1", 4)));
  EXPECT_TRUE(ledger.Admit(OfferUpdate(2, "o1", "c2")));
  EXPECT_EQ(ledger.last_sequence(), 2u);
  // Replayed after a resume: numbered at or below what was received.
  EXPECT_FALSE(ledger.Admit(MessageUpdate(1, "c1", 4)));
  EXPECT_FALSE(ledger.Admit(OfferUpdate(2, "o1", "c2")));
  // A message already had, numbered anew: dropped by its event sequence.
  EXPECT_FALSE(ledger.Admit(MessageUpdate(3, "c1", 4)));
  EXPECT_FALSE(ledger.Admit(MessageUpdate(4, "c1", 2)));
  EXPECT_TRUE(ledger.Admit(MessageUpdate(5, "c1", 5)));
  // The same offer again: once is enough.
  EXPECT_FALSE(ledger.Admit(OfferUpdate(6, "o1", "c2")));
  // Unnumbered (LoginResult, client-made) updates pass.
  AgentUpdate change;
  change.mutable_connection()->set_state(omnibroker::v1::ConnectionChange::CONNECTED);
  EXPECT_TRUE(ledger.Admit(change));
  EXPECT_EQ(ledger.last_sequence(), 6u);
}

TEST(DeliveryLedgerTest, AResumedLoginChangesNothing) {
  DeliveryLedger ledger;
  ledger.Login(Login("s1", false, {"c1"}), true);
  ASSERT_TRUE(ledger.Admit(OfferUpdate(1, "o1", "c2")));
  EXPECT_TRUE(ledger.Login(Login("s1", true, {}), false).empty());
  EXPECT_EQ(ledger.session(), "s1");
  EXPECT_EQ(ledger.last_sequence(), 1u);
  EXPECT_TRUE(ledger.ToCatchUp().empty());
}

TEST(DeliveryLedgerTest, ANewSessionBringsTheUserInLine) {
  DeliveryLedger ledger;
  ledger.Login(Login("s1", false, {"c1", "c2"}), true);
  ASSERT_TRUE(ledger.Admit(OfferUpdate(1, "o3", "c3")));
  ASSERT_TRUE(ledger.Admit(OfferUpdate(2, "o4", "c4")));
  ASSERT_TRUE(ledger.Admit(MessageUpdate(3, "c1", 4)));

  // The broker restarted: c2 was lost, c5 was gained, o3 is still open, o4 gone, o6 is new.
  auto missed = ledger.Login(
      Login("s2", false, {"c1", "c5"}, {OfferOf("o3", "c3"), OfferOf("o6", "c6")}), false);
  EXPECT_EQ(Describe(missed),
            (std::vector<std::string>{"offer o6", "revoked o4", "assigned c5", "closed c2"}));
  EXPECT_EQ(ledger.session(), "s2");
  EXPECT_EQ(ledger.last_sequence(), 0u);
  EXPECT_EQ(ledger.ToCatchUp(), (std::map<std::string, uint64_t>{{"c1", 4}}));
  // The new session counts from 1 again.
  EXPECT_TRUE(ledger.Admit(OfferUpdate(1, "o7", "c7")));

  // The history of c1 after 4 (in any order): the agent's own reply is not a message to them.
  auto caught_up = ledger.CaughtUp(
      "c1", {EventOf("c1", 7), EventOf("c1", 5), EventOf("c1", 6, "alice"), EventOf("c1", 4)});
  EXPECT_EQ(Describe(caught_up), (std::vector<std::string>{"message c1-5", "message c1-7"}));
  EXPECT_TRUE(ledger.ToCatchUp().empty());
  // The same message live on the new stream is not delivered twice.
  EXPECT_FALSE(ledger.Admit(MessageUpdate(2, "c1", 7)));
  EXPECT_TRUE(ledger.Admit(MessageUpdate(3, "c1", 8)));
}

TEST(DeliveryLedgerTest, TheFirstLoginDeliversOpenOffersButNotItsAssignments) {
  DeliveryLedger ledger;
  auto missed = ledger.Login(Login("s1", false, {"c1"}, {OfferOf("o2", "c2")}), /*initial=*/true);
  EXPECT_EQ(Describe(missed), (std::vector<std::string>{"offer o2"}));
  // Accepted: the offer is consumed, the conversation tracked from its last sequence.
  AgentUpdate assigned;
  assigned.set_sequence(1);
  assigned.mutable_assigned()->mutable_conversation()->set_id("c2");
  assigned.mutable_assigned()->mutable_conversation()->set_last_sequence(2);
  EXPECT_TRUE(ledger.Admit(assigned));
  EXPECT_FALSE(ledger.Admit(MessageUpdate(2, "c2", 2)));
  auto again = ledger.Login(Login("s2", false, {"c1", "c2"}), false);
  EXPECT_TRUE(again.empty()) << Describe(again).size();
}

}  // namespace
}  // namespace omni::agent
