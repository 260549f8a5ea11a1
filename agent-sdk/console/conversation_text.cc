// Formatting of broker messages for the screen.
#include "conversation_text.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/time_util.h"

namespace omni::console {

std::string FormatCountdown(Duration d) {
  const bool overdue = d < Duration::zero();
  const long total = std::chrono::duration_cast<std::chrono::seconds>(overdue ? -d : d).count();
  const std::string sign = overdue ? "-" : "";
  if (total >= 3600) {
    return absl::StrFormat("%s%d:%02d:%02d", sign, total / 3600, total / 60 % 60, total % 60);
  }
  return absl::StrFormat("%s%d:%02d", sign, total / 60, total % 60);
}

std::string TierBadge(omnibroker::v1::Tier tier) {
  switch (tier) {
    case omnibroker::v1::TIER_VIP:
      return "VIP";
    case omnibroker::v1::TIER_GOLD:
      return "GOLD";
    default:
      return "";
  }
}

std::string ChannelName(omnibroker::v1::Channel channel) {
  switch (channel) {
    case omnibroker::v1::CHANNEL_CHAT:
      return "chat";
    case omnibroker::v1::CHANNEL_EMAIL:
      return "email";
    case omnibroker::v1::CHANNEL_VOICE:
      return "voice";
    case omnibroker::v1::CHANNEL_MESSENGER:
      return "messenger";
    case omnibroker::v1::CHANNEL_SOCIAL:
      return "social";
    case omnibroker::v1::CHANNEL_SMS:
      return "sms";
    default:
      return "?";
  }
}

std::string PresenceName(omnibroker::v1::Presence presence) {
  switch (presence) {
    case omnibroker::v1::PRESENCE_AVAILABLE:
      return "AVAILABLE";
    case omnibroker::v1::PRESENCE_BUSY:
      return "BUSY";
    case omnibroker::v1::PRESENCE_AWAY:
      return "AWAY";
    default:
      return "OFFLINE";
  }
}

std::string CustomerName(const omnibroker::v1::Customer& customer,
                         const omnibroker::v1::Identity& identity) {
  if (!customer.display_name().empty()) return customer.display_name();
  if (!identity.display_name().empty()) return identity.display_name();
  return identity.handle();
}

EventLine DescribeEvent(const omnibroker::v1::Event& event, const std::string& my_agent_id) {
  EventLine line;
  const std::time_t seconds = event.occurred_at().seconds();
  std::tm local{};
  localtime_r(&seconds, &local);
  char clock[8];
  std::strftime(clock, sizeof clock, "%H:%M", &local);
  const std::string where =
      event.provider().empty() ? ChannelName(event.channel()) : event.provider();
  std::string who;
  if (event.direction() == omnibroker::v1::DIRECTION_INTERNAL) {
    line.internal = true;
    const auto& meta = event.provider_metadata();
    auto to = meta.find("transfer_to");
    who = event.kind() == omnibroker::v1::EVENT_KIND_NOTE ? "note " : "system ";
    who += event.agent_id() == my_agent_id ? "you" : event.agent_id();
    if (to != meta.end()) who += "→" + to->second;
    line.header = absl::StrCat(clock, " ", who);
  } else {
    if (event.direction() == omnibroker::v1::DIRECTION_OUTBOUND) {
      who = event.agent_id() == my_agent_id ? "you" : event.agent_id();
    } else {
      who = event.sender().display_name().empty() ? event.sender().handle()
                                                  : event.sender().display_name();
    }
    line.header = absl::StrCat(clock, " ", where, " ", who);
  }
  line.text = event.content().subject().empty()
                  ? event.content().text()
                  : absl::StrCat("[", event.content().subject(), "] ", event.content().text());
  for (const auto& a : event.content().attachments()) {
    absl::StrAppend(&line.text, line.text.empty() ? "" : " ", "(file ",
                    a.filename().empty() ? a.url() : a.filename(), ")");
  }
  return line;
}

std::vector<std::string> CustomerCard(const omnibroker::v1::Customer& customer,
                                      const omnibroker::v1::Conversation& conversation) {
  std::vector<std::string> card;
  card.push_back(CustomerName(customer, conversation.customer_identity()));
  const std::string tier = TierBadge(customer.tier());
  card.push_back("tier " + (tier.empty() ? std::string("standard") : tier));
  if (customer.flags_size() > 0) card.push_back("flags " + absl::StrJoin(customer.flags(), ","));
  if (!customer.preferred_language().empty())
    card.push_back("lang " + customer.preferred_language());
  if (!customer.personal_manager_agent_id().empty()) {
    card.push_back("manager " + customer.personal_manager_agent_id());
  }
  if (customer.identities_size() == 0) {
    card.push_back(conversation.customer_identity().provider() + " " +
                   conversation.customer_identity().handle());
  }
  for (const auto& linked : customer.identities()) {
    const auto& id = linked.identity();
    card.push_back(id.provider() + " " + id.handle() + (id.verified() ? " ✓" : ""));
  }
  return card;
}

std::vector<std::string> HandoffNotes(const std::vector<omnibroker::v1::Event>& history) {
  std::vector<std::string> notes;
  for (const auto& e : history) {
    if (e.kind() != omnibroker::v1::EVENT_KIND_NOTE || e.content().text().empty()) continue;
    notes.push_back(e.agent_id() + ": " + e.content().text());
  }
  return notes;
}

}  // namespace omni::console
