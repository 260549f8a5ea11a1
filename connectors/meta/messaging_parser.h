// The Messenger Platform webhook parser that Messenger ("object":"page") and Instagram
// Messaging ("object":"instagram") share: the same envelope
// {"object","entry":[{"id","time","messaging":[{"sender","recipient","timestamp",<kind>}]}]},
// parameterized by the provider name. Pure: no I/O.
//
//   message           -> EVENT_KIND_MESSAGE (text, attachments as URL references, quick reply,
//                        reply_to; a story mention / reply, a like heart); is_deleted -> DELETE
//   message_edit      -> EVENT_KIND_EDIT
//   postback, referral-> EVENT_KIND_MESSAGE with the title / ref as text
//   reaction (react)  -> EVENT_KIND_MESSAGE with the emoji, reply_to the reacted message
//   delivery, read    -> EVENT_KIND_DELIVERY_STATUS (one per delivered mid)
// Event ids: "<provider>:<mid>" (an edit adds ":edit:<num_edit>", a deletion ":deleted", a
// status ":status:delivered|read"); kinds without a mid use
// "<provider>:<page>:<user>:<kind>:<timestamp ms>". The thread key is "<page>:<user>" (the
// recipient and sender ids: the page or Instagram account, and the PSID / IGSID), all Deliver
// needs. Echoes of the page's own messages, standby items (another app owns the thread in the
// handover protocol), opt-ins, removed reactions and other non-message kinds are skipped with a
// reason (see event_batch.h).
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::meta {

struct MessagingPlatform {
  std::string_view provider;  // "messenger", "instagram": event provider and id prefix
  std::string_view object;    // the webhook's "object": "page", "instagram"
  std::string_view what;      // for messages: "Messenger", "Instagram Messaging"
};

// The events of a webhook body; the kinds of the notices dropped beside them go to `dropped`
// when given.
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseMessagingWebhook(
    const MessagingPlatform& platform, std::string_view body, TimePoint received_at,
    std::vector<std::string>* dropped = nullptr);

}  // namespace omni::connectors::meta
