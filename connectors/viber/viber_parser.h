// The Viber connector's pure part: a REST Bot API callback body -> omnibroker Events, or a clear
// error naming the field. No I/O; tested on tests/corpus/viber.
//
//   message                      -> EVENT_KIND_MESSAGE, id "viber:<message_token>"
//   delivered / seen / failed    -> EVENT_KIND_DELIVERY_STATUS, id "viber:<token>:<event>",
//                                   reply_to_event_id "viber:<token>" (failed keeps its desc)
//   subscribed / unsubscribed    -> EVENT_KIND_SYSTEM, id "viber:<token>:<event>": whether the
//                                   customer can be written to is a fact the conversation keeps
//   conversation_started         -> NotCustomerTraffic (the user only opened the chat screen; a
//                                   conversation starts with their first message), unless it
//                                   carries a message, which is then a MESSAGE
//   webhook                      -> NotCustomerTraffic (set_webhook's check: answered 200)
// The thread key is the Viber user id. message_token values exceed 2^53, so they are kept as the
// exact decimal text of the JSON integer, never through a double. Media become attachment
// references (Viber's media URL) with type, size and file name; nothing is downloaded.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::viber {

inline constexpr std::string_view kProvider = "viber";
inline constexpr std::string_view kSignatureHeader = "X-Viber-Content-Signature";

absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseCallback(std::string_view body,
                                                                 TimePoint received_at);

}  // namespace omni::connectors::viber
