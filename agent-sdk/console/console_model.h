// The console's state, pure: what the broker sent (login, offers, assignments, messages,
// closings) and what the agent did, with the countdowns computed from a clock reading passed in.
// No curses and no network here, so every screen fact is unit-tested; the views only draw it.
//
// Owned by the console's one UI thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "omnibroker/v1/agent_console.pb.h"
#include "sla.h"

namespace omni::console {

struct ConversationEntry {
  omnibroker::v1::Conversation conversation;
  omnibroker::v1::Customer customer;
  omnibroker::v1::ServiceTargets targets;      // the deadlines, as the broker sent them
  std::vector<omnibroker::v1::Event> history;  // the customer's, across channels, oldest first
  std::string disposition;  // set once closed: the wrap-up runs until the agent ends it
};

// One line of the work list: an offer or a conversation of mine.
struct ListRow {
  enum class Kind { kOffer, kConversation };
  Kind kind;
  std::string id;  // offer id or conversation id
  std::string channel;
  std::string customer;
  std::string tier;       // "VIP", "GOLD" or "" (standard)
  std::string waiting;    // how long the customer has waited for an answer; "" when nobody waits
  std::string countdown;  // "offer 0:17", "first 8:37", "next -0:12" (overdue), "wrap-up: resolved"
  bool urgent = false;    // under a minute left, or overdue
};

class ConsoleModel {
 public:
  explicit ConsoleModel(const omnibroker::v1::LoginResult& login);

  void Apply(const omnibroker::v1::AgentUpdate& update, TimePoint now);
  void SetPresence(omnibroker::v1::Presence presence) { presence_ = presence; }
  // The offer was accepted as `conversation_id`: it becomes a conversation of mine.
  void Accepted(const std::string& offer_id, const std::string& conversation_id);
  void RemoveOffer(const std::string& offer_id);
  void SetHistory(const std::string& conversation_id, std::vector<omnibroker::v1::Event> events);
  // My reply went out: the first response is given and nothing waits for an answer.
  void ReplySent(const std::string& conversation_id, TimePoint now);
  void Closed(const std::string& conversation_id, const std::string& disposition);
  void Remove(const std::string& conversation_id);

  // Offers first, in arrival order, then conversations in assignment order.
  std::vector<ListRow> Rows(TimePoint now) const;
  // Moves the selection by `delta` rows (clamped); the selection follows its row as rows come
  // and go.
  void MoveSelection(int delta, TimePoint now);
  std::optional<ListRow> Selected(TimePoint now) const;
  void Select(const std::string& id) { selected_ = id; }

  const ConversationEntry* conversation(const std::string& id) const;
  const omnibroker::v1::Offer* offer(const std::string& id) const;
  const omnibroker::v1::LoginResult& login() const { return login_; }
  omnibroker::v1::Presence presence() const { return presence_; }
  const std::string& notice() const { return notice_; }
  // My quality standing as the header shows it: "OFF ROUTING", "training"; "" in good standing.
  const std::string& standing() const { return standing_; }
  void SetNotice(std::string notice) { notice_ = std::move(notice); }
  bool connected() const { return connected_; }

 private:
  ListRow RowFor(const omnibroker::v1::Offer& offer, TimePoint now) const;
  ListRow RowFor(const ConversationEntry& entry, TimePoint now) const;
  ConversationEntry* Find(const std::string& id);
  ConversationEntry& Upsert(const omnibroker::v1::ConversationAssigned& given);
  // A quality record from the broker: mine (the header and why), or, for a supervisor, another
  // agent's (a notice).
  void TakeQuality(const omnibroker::v1::AgentQuality& record);

  omnibroker::v1::LoginResult login_;
  omnibroker::v1::Presence presence_ = omnibroker::v1::PRESENCE_BUSY;
  std::vector<omnibroker::v1::Offer> offers_;
  std::vector<ConversationEntry> conversations_;
  std::string selected_;
  std::string notice_;
  std::string standing_;
  bool connected_ = true;
};

}  // namespace omni::console
