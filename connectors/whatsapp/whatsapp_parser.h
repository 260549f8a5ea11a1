// The WhatsApp connector's pure part: a WhatsApp Cloud API webhook body
// ({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":…}]}]})
// -> omnibroker Events, or a clear error naming the field. No I/O; tested on
// tests/corpus/whatsapp.
//
//   value.messages[]  -> EVENT_KIND_MESSAGE (text, media, location, contacts, button and list
//                        replies, template quick replies, reactions, orders);
//                        type "revoke" -> EVENT_KIND_DELETE
//   value.statuses[]  -> sent/delivered/read/played/failed: EVENT_KIND_DELIVERY_STATUS;
//                        deleted: EVENT_KIND_DELETE
// Event ids come from the wamid, stable across Meta's retries: "whatsapp:<wamid>"; a status is
// "whatsapp:<wamid>:status:<status>", a deletion "whatsapp:<wamid>:deleted" (reply_to_event_id
// = "whatsapp:<wamid>" of the affected message). The thread key is
// "<phone_number_id>:<customer>", all Deliver needs. The customer is the wa_id, a real phone
// number: Identity.phone "+<wa_id>", verified. A sender known only by a business-scoped user id
// ("US.123…") keeps that as handle and gets no phone. Media become "whatsapp-media:<media id>"
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

absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(std::string_view body,
                                                                TimePoint received_at);

}  // namespace omni::connectors::whatsapp
