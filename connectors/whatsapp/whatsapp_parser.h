// The WhatsApp connector's pure part: a WhatsApp Cloud API webhook body
// ({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":…}]}]})
// -> omnibroker Events, or a clear error naming the field. No I/O; tested on
// tests/corpus/whatsapp.
//
//   value.messages[]  -> EVENT_KIND_MESSAGE (text, media, location, contacts, button and list
//                        replies, template quick replies, reactions, orders);
//                        type "revoke" -> EVENT_KIND_DELETE; type "edit" -> EVENT_KIND_EDIT
//                        (id "whatsapp:<original wamid>:edit:<wamid>", pointing at the original,
//                        as Messenger's message_edit)
//   value.statuses[]  -> sent/delivered/read/played/failed: EVENT_KIND_DELIVERY_STATUS;
//                        deleted: EVENT_KIND_DELETE
// Event ids come from the wamid, stable across Meta's retries: "whatsapp:<wamid>"; a status is
// "whatsapp:<wamid>:status:<status>", a deletion "whatsapp:<wamid>:deleted" (reply_to_event_id
// = "whatsapp:<wamid>" of the affected message). The thread key is
// "<phone_number_id>:<customer>", all Deliver needs. The customer is the wa_id, a real phone
// number: Identity.phone "+<wa_id>", verified. A customer who adopted a WhatsApp username may come
// without one (no `from`): the business-scoped user id (BSUID, "US.123…", in `from_user_id` or
// contacts[].user_id) is then the handle, with no phone, so the broker never joins it to a phone
// identity; replies go to it (see CloudApiTextMessage). Media become "whatsapp-media:<media id>"
// references; nothing is downloaded. Unsupported, system and group messages and removed
// reactions are skipped with a reason (see connectors/meta/event_batch.h).
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::whatsapp {

inline constexpr std::string_view kProvider = "whatsapp";
inline constexpr std::string_view kMediaUrlPrefix = "whatsapp-media:";

// A business-scoped user id: a two-letter country code, a dot, up to 128 letters and digits
// ("US.13491208655302741918"; a parent BSUID "US.ENT.118…"). Never a phone number.
bool IsBusinessScopedUserId(std::string_view s);

// The events of a webhook body; the kinds of the notices dropped beside them go to `dropped`
// when given (a body of notices only is NotCustomerTraffic).
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(
    std::string_view body, TimePoint received_at, std::vector<std::string>* dropped = nullptr);

}  // namespace omni::connectors::whatsapp
