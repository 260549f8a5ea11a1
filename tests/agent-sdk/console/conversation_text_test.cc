// How broker data reads on screen: countdowns, badges, events from customers, agents and notes,
// the customer card and handoff notes.
#include "conversation_text.h"

#include <gtest/gtest.h>

namespace omni::console {
namespace {

using namespace std::chrono_literals;

TEST(ConversationTextTest, Countdowns) {
  EXPECT_EQ(FormatCountdown(7s), "0:07");
  EXPECT_EQ(FormatCountdown(12min + 30s), "12:30");
  EXPECT_EQ(FormatCountdown(1h + 5min), "1:05:00");
  EXPECT_EQ(FormatCountdown(-12s), "-0:12");
  EXPECT_EQ(FormatCountdown(Duration::zero()), "0:00");
  EXPECT_EQ(FormatCountdown(999ms), "0:00") << "whole seconds, rounded down";
}

TEST(ConversationTextTest, BadgesAndNames) {
  EXPECT_EQ(TierBadge(omnibroker::v1::TIER_VIP), "VIP");
  EXPECT_EQ(TierBadge(omnibroker::v1::TIER_GOLD), "GOLD");
  EXPECT_EQ(TierBadge(omnibroker::v1::TIER_STANDARD), "");
  EXPECT_EQ(ChannelName(omnibroker::v1::CHANNEL_EMAIL), "email");
  EXPECT_EQ(PresenceName(omnibroker::v1::PRESENCE_AWAY), "AWAY");
  omnibroker::v1::Customer customer;
  omnibroker::v1::Identity identity;
  identity.set_handle("4915112345678");
  EXPECT_EQ(CustomerName(customer, identity), "4915112345678");
  identity.set_display_name("Olga K");
  EXPECT_EQ(CustomerName(customer, identity), "Olga K");
  customer.set_display_name("Ольга");
  EXPECT_EQ(CustomerName(customer, identity), "Ольга");
}

TEST(ConversationTextTest, EventsSayWhereAndWho) {
  omnibroker::v1::Event e;
  e.set_provider("email");
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.mutable_sender()->set_handle("olga@example.org");
  e.mutable_content()->set_subject("Order 42");
  e.mutable_content()->set_text("Where is it?");
  e.mutable_content()->add_attachments()->set_filename("receipt.pdf");
  EventLine line = DescribeEvent(e, "alice");
  EXPECT_NE(line.header.find(" email olga@example.org"), std::string::npos) << line.header;
  EXPECT_EQ(line.text, "[Order 42] Where is it? (file receipt.pdf)");
  EXPECT_FALSE(line.internal);

  e.set_direction(omnibroker::v1::DIRECTION_OUTBOUND);
  e.set_agent_id("alice");
  EXPECT_NE(DescribeEvent(e, "alice").header.find(" email you"), std::string::npos);
  EXPECT_NE(DescribeEvent(e, "boris").header.find(" email alice"), std::string::npos);

  omnibroker::v1::Event note;
  note.set_direction(omnibroker::v1::DIRECTION_INTERNAL);
  note.set_kind(omnibroker::v1::EVENT_KIND_NOTE);
  note.set_agent_id("boris");
  (*note.mutable_provider_metadata())["transfer_to"] = "alice";
  note.mutable_content()->set_text("wants a refund");
  line = DescribeEvent(note, "alice");
  EXPECT_NE(line.header.find(" note boris→alice"), std::string::npos) << line.header;
  EXPECT_TRUE(line.internal);
  EXPECT_EQ(HandoffNotes({e, note}), (std::vector<std::string>{"boris: wants a refund"}));
}

TEST(ConversationTextTest, TheCustomerCard) {
  omnibroker::v1::Customer customer;
  customer.set_display_name("Ольга");
  customer.set_tier(omnibroker::v1::TIER_VIP);
  customer.add_flags("difficult");
  customer.set_preferred_language("ru");
  customer.set_personal_manager_agent_id("boris");
  auto* wa = customer.add_identities()->mutable_identity();
  wa->set_provider("whatsapp");
  wa->set_handle("4915112345678");
  wa->set_verified(true);
  auto* mail = customer.add_identities()->mutable_identity();
  mail->set_provider("email");
  mail->set_handle("olga@example.org");
  mail->set_email("olga@example.org");
  EXPECT_EQ(
      CustomerCard(customer, {}),
      (std::vector<std::string>{"Ольга", "tier VIP", "flags difficult", "lang ru", "manager boris",
                                "whatsapp 4915112345678 ✓", "email olga@example.org"}));
  omnibroker::v1::Conversation c;
  c.mutable_customer_identity()->set_provider("webchat");
  c.mutable_customer_identity()->set_handle("v_1");
  EXPECT_EQ(CustomerCard({}, c), (std::vector<std::string>{"v_1", "tier standard", "webchat v_1"}));
}

}  // namespace
}  // namespace omni::console
