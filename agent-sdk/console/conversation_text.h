// Words the console shows for broker data: durations as countdowns, tier badges, channel names,
// who wrote an event, the customer card and handoff notes. Pure functions of the messages.
#pragma once

#include <string>
#include <vector>

#include "base/clock.h"
#include "omnibroker/v1/agent.pb.h"
#include "omnibroker/v1/conversation.pb.h"
#include "omnibroker/v1/customer.pb.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::console {

// "0:07", "12:30", "1:05:00"; negative (overdue) with a leading '-'.
std::string FormatCountdown(Duration d);
// "VIP", "GOLD", "" for standard or unknown.
std::string TierBadge(omnibroker::v1::Tier tier);
// "chat", "email", "voice", "messenger", "social", "sms".
std::string ChannelName(omnibroker::v1::Channel channel);
std::string PresenceName(omnibroker::v1::Presence presence);
// The customer's name, else the handle they wrote from.
std::string CustomerName(const omnibroker::v1::Customer& customer,
                         const omnibroker::v1::Identity& identity);

// One event as the history shows it: a header ("14:03 whatsapp Ann", "14:05 email you",
// "14:06 note boris→alice") and its text (subject first for email).
struct EventLine {
  std::string header;
  std::string text;
  bool internal = false;  // a note or system record, never seen by the customer
};
EventLine DescribeEvent(const omnibroker::v1::Event& event, const std::string& my_agent_id);

// The customer card: name, tier, flags, language, personal manager, identities.
std::vector<std::string> CustomerCard(const omnibroker::v1::Customer& customer,
                                      const omnibroker::v1::Conversation& conversation);

// The handoff notes in a history (transfers with the agent who wrote them), oldest first.
std::vector<std::string> HandoffNotes(const std::vector<omnibroker::v1::Event>& history);

}  // namespace omni::console
