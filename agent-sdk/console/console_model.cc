// ConsoleModel: folding broker updates into the work list, and the countdowns.
#include "console_model.h"

#include <algorithm>

#include "base/time_util.h"
#include "conversation_text.h"

namespace omni::console {
namespace {

using namespace std::chrono_literals;

constexpr Duration kUrgent = 1min;

// The entry for conversation `id` in `entries` (const or not), or nullptr.
template <typename Entries>
auto FindIn(Entries& entries, const std::string& id) -> decltype(&entries.front()) {
  for (auto& entry : entries) {
    if (entry.conversation.id() == id) return &entry;
  }
  return nullptr;
}

}  // namespace

ConsoleModel::ConsoleModel(const omnibroker::v1::LoginResult& login) : login_(login) {
  const auto p = login.agent().presence();
  if (p == omnibroker::v1::PRESENCE_AVAILABLE || p == omnibroker::v1::PRESENCE_AWAY) presence_ = p;
  for (const auto& given : login.assigned()) Upsert(given);
  if (login.has_quality()) TakeQuality(login.quality());
}

void ConsoleModel::TakeQuality(const omnibroker::v1::AgentQuality& record) {
  if (record.agent_id() != login_.agent().id()) {
    if (record.standing() == omnibroker::v1::QUALITY_OFF_ROUTING) {
      notice_ = "quality: " + record.agent_id() + " is off routing until re-certified: " + record.why();
    } else if (record.standing() == omnibroker::v1::QUALITY_TRAINING) {
      notice_ = "quality: " + record.agent_id() + " is flagged for training: " + record.why();
    } else {
      notice_ = "quality: " + record.agent_id() + " is in good standing: " + record.why();
    }
    return;
  }
  switch (record.standing()) {
    case omnibroker::v1::QUALITY_OFF_ROUTING:
      standing_ = "OFF ROUTING";
      notice_ = "you are offered no new work until a supervisor re-certifies you: " + record.why();
      break;
    case omnibroker::v1::QUALITY_TRAINING:
      standing_ = "training";
      notice_ = "quality: you are flagged for training: " + record.why();
      break;
    default:
      standing_.clear();
      if (!record.why().empty()) notice_ = "quality: " + record.why();
  }
}

ConversationEntry& ConsoleModel::Upsert(const omnibroker::v1::ConversationAssigned& given) {
  const std::string& id = given.conversation().id();
  auto it = std::find_if(conversations_.begin(), conversations_.end(),
                         [&](const auto& e) { return e.conversation.id() == id; });
  if (it == conversations_.end()) {
    conversations_.push_back({});
    it = conversations_.end() - 1;
  }
  it->conversation = given.conversation();
  it->customer = given.customer();
  it->targets = given.targets();
  if (selected_.empty()) selected_ = id;
  return *it;
}

void ConsoleModel::Apply(const omnibroker::v1::AgentUpdate& update, TimePoint now) {
  if (update.has_offer()) {
    offers_.push_back(update.offer());
    notice_ = "new offer from " + CustomerName(update.offer().customer(),
                                               update.offer().conversation().customer_identity());
    if (selected_.empty()) selected_ = update.offer().offer_id();
  } else if (update.has_offer_revoked()) {
    RemoveOffer(update.offer_revoked().offer_id());
    notice_ = "offer withdrawn: " + update.offer_revoked().reason();
  } else if (update.has_assigned()) {
    Upsert(update.assigned());
  } else if (update.has_message()) {
    const auto& event = update.message().event();
    for (auto& entry : conversations_) {
      // The history is the customer's: every conversation of theirs shows the new message.
      if (entry.conversation.customer_id() != event.customer_id()) continue;
      const bool seen = std::any_of(entry.history.begin(), entry.history.end(),
                                    [&](const auto& e) { return e.id() == event.id(); });
      if (!seen) entry.history.push_back(event);
      if (entry.conversation.id() == event.conversation_id() &&
          event.direction() == omnibroker::v1::DIRECTION_INBOUND &&
          !entry.conversation.has_awaiting_reply_since()) {
        *entry.conversation.mutable_awaiting_reply_since() = ToProto(now);
      }
    }
  } else if (update.has_closed()) {
    const auto& closed = update.closed();
    ConversationEntry* entry = Find(closed.conversation_id());
    // My own close keeps the entry for its wrap-up; anything else took the conversation away.
    if (entry != nullptr && entry->disposition.empty()) {
      Remove(closed.conversation_id());
      notice_ = closed.conversation_id() + " is no longer yours: " + closed.reason();
    }
  } else if (update.has_quality()) {
    TakeQuality(update.quality());
  } else if (update.has_escalation()) {
    notice_ = "escalation: " + update.escalation().conversation_id() + " missed its " +
              update.escalation().breach().kind() + " deadline";
  } else if (update.has_connection()) {
    // The SDK reconnects by itself; what it missed arrives as ordinary updates after CONNECTED.
    const auto& change = update.connection();
    connected_ = change.state() == omnibroker::v1::ConnectionChange::CONNECTED;
    if (connected_) {
      for (const auto& given : change.login().assigned()) Upsert(given);
      notice_ = "reconnected";
      if (change.login().has_quality()) TakeQuality(change.login().quality());
    } else if (change.state() == omnibroker::v1::ConnectionChange::RECONNECTING) {
      notice_ = "connection lost, reconnecting: " + change.reason();
    } else {
      notice_ = "disconnected: " + change.reason();
    }
  } else if (update.has_result() && update.result().code() != 0) {
    notice_ = "error: " + update.result().message();
  }
}

void ConsoleModel::Accepted(const std::string& offer_id, const std::string& conversation_id) {
  const omnibroker::v1::Offer* o = offer(offer_id);
  if (o != nullptr) {
    omnibroker::v1::ConversationAssigned given;
    *given.mutable_conversation() = o->conversation();
    given.mutable_conversation()->set_id(conversation_id);
    given.mutable_conversation()->set_state(omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
    *given.mutable_customer() = o->customer();
    *given.mutable_targets() = o->targets();
    RemoveOffer(offer_id);
    Upsert(given);
  }
  selected_ = conversation_id;
}

void ConsoleModel::RemoveOffer(const std::string& offer_id) {
  std::erase_if(offers_, [&](const auto& o) { return o.offer_id() == offer_id; });
}

void ConsoleModel::SetHistory(const std::string& conversation_id,
                              std::vector<omnibroker::v1::Event> events) {
  if (ConversationEntry* entry = Find(conversation_id)) entry->history = std::move(events);
}

void ConsoleModel::ReplySent(const std::string& conversation_id, TimePoint now) {
  ConversationEntry* entry = Find(conversation_id);
  if (entry == nullptr) return;
  if (!entry->conversation.has_first_response_at()) {
    *entry->conversation.mutable_first_response_at() = ToProto(now);
  }
  entry->conversation.clear_awaiting_reply_since();
}

void ConsoleModel::Closed(const std::string& conversation_id, const std::string& disposition) {
  if (ConversationEntry* entry = Find(conversation_id)) entry->disposition = disposition;
}

void ConsoleModel::Remove(const std::string& conversation_id) {
  std::erase_if(conversations_,
                [&](const auto& e) { return e.conversation.id() == conversation_id; });
}

ConversationEntry* ConsoleModel::Find(const std::string& id) { return FindIn(conversations_, id); }

const ConversationEntry* ConsoleModel::conversation(const std::string& id) const {
  return FindIn(conversations_, id);
}

const omnibroker::v1::Offer* ConsoleModel::offer(const std::string& id) const {
  for (const auto& o : offers_) {
    if (o.offer_id() == id) return &o;
  }
  return nullptr;
}

ListRow ConsoleModel::RowFor(const omnibroker::v1::Offer& offer, TimePoint now) const {
  const auto& c = offer.conversation();
  const Duration left = FromProto(offer.expires_at()) - now;
  return ListRow{
      .kind = ListRow::Kind::kOffer,
      .id = offer.offer_id(),
      .channel = ChannelName(c.channel()),
      .customer = CustomerName(offer.customer(), c.customer_identity()),
      .tier = TierBadge(offer.customer().tier()),
      .waiting = c.has_queued_at() ? FormatCountdown(now - FromProto(c.queued_at())) : "",
      .countdown = "offer " + FormatCountdown(std::max(left, Duration::zero())),
      .urgent = true};
}

ListRow ConsoleModel::RowFor(const ConversationEntry& entry, TimePoint now) const {
  const auto& c = entry.conversation;
  ListRow row{.kind = ListRow::Kind::kConversation,
              .id = c.id(),
              .channel = ChannelName(c.channel()),
              .customer = CustomerName(entry.customer, c.customer_identity()),
              .tier = TierBadge(entry.customer.tier())};
  if (!entry.disposition.empty()) {
    row.countdown = "wrap-up: " + entry.disposition;
    return row;
  }
  if (c.has_awaiting_reply_since()) {
    row.waiting = FormatCountdown(now - FromProto(c.awaiting_reply_since()));
  } else if (!c.has_first_response_at() && c.has_queued_at()) {
    row.waiting = FormatCountdown(now - FromProto(c.queued_at()));
  }
  if (auto deadline = NextDeadline(c, entry.targets)) {
    const Duration left = deadline->due - now;
    row.countdown =
        (deadline->kind == "first response" ? "first " : "next ") + FormatCountdown(left);
    row.urgent = left < kUrgent;
  }
  return row;
}

std::vector<ListRow> ConsoleModel::Rows(TimePoint now) const {
  std::vector<ListRow> rows;
  for (const auto& o : offers_) rows.push_back(RowFor(o, now));
  for (const auto& c : conversations_) rows.push_back(RowFor(c, now));
  return rows;
}

void ConsoleModel::MoveSelection(int delta, TimePoint now) {
  const auto rows = Rows(now);
  if (rows.empty()) return;
  auto it =
      std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.id == selected_; });
  const int at = it == rows.end() ? 0 : static_cast<int>(it - rows.begin());
  selected_ = rows[std::clamp(at + delta, 0, static_cast<int>(rows.size()) - 1)].id;
}

std::optional<ListRow> ConsoleModel::Selected(TimePoint now) const {
  const auto rows = Rows(now);
  if (rows.empty()) return std::nullopt;
  for (const auto& r : rows) {
    if (r.id == selected_) return r;
  }
  return rows.front();
}

}  // namespace omni::console
