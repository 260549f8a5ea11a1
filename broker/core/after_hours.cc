// BrokerCore: a closed queue's after-hours rule, as the routing engine decided it (an auto reply
// sent through the channel, an overflow to an open queue).
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/conversation_event.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Conversation;
using omnibroker::v1::Event;
using store::Family;

void BrokerCore::AfterHoursReply(Tenant& t, const routing::Decision& decision) {
  auto it = open_.find(decision.conversation_id);
  if (it == open_.end() || decision.text.empty()) return;
  const Conversation& conversation = it->second;
  // As an agent's reply (OnSend), but from nobody: it answers no deadline.
  Event event = NextEventOf(
      conversation,
      absl::StrCat("after_hours:", conversation.id(), ":",
                   std::chrono::duration_cast<std::chrono::milliseconds>(decision.at.time_since_epoch()).count()),
      omnibroker::v1::DIRECTION_OUTBOUND, omnibroker::v1::EVENT_KIND_MESSAGE, decision.at);
  event.mutable_content()->set_text(decision.text);
  (*event.mutable_provider_metadata())["after_hours_calendar"] = decision.reason;

  Conversation updated = conversation;
  updated.set_last_sequence(event.sequence());
  *updated.mutable_updated_at() = event.occurred_at();
  *updated.mutable_after_hours_reply_at() = event.occurred_at();
  PendingDelivery pending;
  pending.delivery.set_delivery_id(event.id());
  *pending.delivery.mutable_event() = event;

  rocksdb::WriteBatch batch;
  PutEvent(batch, event);
  store_.Put(batch, Family::kConversations, updated.id(), updated);
  store_.Put(batch, Family::kOutbox, event.id(), pending.delivery);
  if (auto s = CommitThen(batch, [this, pending] { StartDelivery(pending); }); !s.ok()) {
    LogError("routing", absl::StrCat("cannot store the after-hours reply: ", s.ToString()), decision.conversation_id);
    return;
  }
  it->second = std::move(updated);
  LogInfo("routing", absl::StrCat("after hours (calendar ", decision.reason, "): auto reply sent"),
          decision.conversation_id);
}

void BrokerCore::Overflowed(Tenant& t, const routing::Decision& decision) {
  auto it = open_.find(decision.conversation_id);
  if (it == open_.end() || it->second.requirements().queue() == decision.queue) return;  // moved already
  Conversation updated = it->second;
  const std::string from = updated.requirements().queue().empty() ? "default" : updated.requirements().queue();
  updated.mutable_requirements()->set_queue(decision.queue);
  routing::WorkItem item = WorkItemFor(t, updated);
  const auto now = clock_.Now();
  if (auto s = t.routing.OverflowTo(updated.id(),
                                    {.queue = item.queue, .steps = std::move(item.steps), .language = item.language,
                                     .tier = item.tier, .priority = item.priority},
                                    now);
      !s.ok()) {
    return;  // an agent took it meanwhile: it stays where it was
  }
  // A note in the history: who moved it (the after-hours rule), when and why.
  Event note = NextEventOf(updated, NewId("note_"), omnibroker::v1::DIRECTION_INTERNAL,
                           omnibroker::v1::EVENT_KIND_SYSTEM, now);
  note.mutable_content()->set_text(absl::StrCat("after hours: moved from queue ", from, " (closed, calendar ",
                                                decision.reason, ") to queue ", decision.queue));
  (*note.mutable_provider_metadata())["overflow_from"] = from;
  (*note.mutable_provider_metadata())["overflow_to"] = decision.queue;
  (*note.mutable_provider_metadata())["after_hours_calendar"] = decision.reason;
  updated.set_last_sequence(note.sequence());
  *updated.mutable_updated_at() = note.occurred_at();

  rocksdb::WriteBatch batch;
  PutEvent(batch, note);
  store_.Put(batch, Family::kConversations, updated.id(), updated);
  if (auto s = store_.Write(batch); !s.ok()) {
    LogError("routing", absl::StrCat("cannot store the overflow: ", s.ToString()), decision.conversation_id);
  }
  it->second = std::move(updated);
  LogInfo("routing", absl::StrCat("after hours: moved from queue ", from, " to ", decision.queue),
          decision.conversation_id);
}

}  // namespace omni::core
