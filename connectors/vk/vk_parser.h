// The VK connector's pure part: a Callback API body, or a group Long Poll response, -> omnibroker
// Events, or a clear error naming the field. No I/O; tested on tests/corpus/vk.
//
// A Callback API body is one update {"type","object","group_id","event_id","v","secret"}; a Long
// Poll response {"ts","updates":[...]} carries the same updates without a secret and fans out.
//   message_new   -> EVENT_KIND_MESSAGE, id "vk:<group_id>:<peer_id>:<conversation_message_id
//                    or id>" (VK's retries carry the same message, so they dedupe; VK's event_id
//                    is kept in metadata); reply_message -> reply_to_event_id
//   message_edit  -> EVENT_KIND_EDIT, id "<original id>:edit:<update_time>", pointing at it
//   message_read  -> EVENT_KIND_DELIVERY_STATUS about the message read
//   message_event -> EVENT_KIND_MESSAGE: a callback button pressed, its payload as text, id
//                    "vk:<group_id>:<peer_id>:button:<event_id>", replying to the button's message
//   message_allow / message_deny -> EVENT_KIND_SYSTEM: whether the community may write to the
//                    customer (messages.send fails with 901 after a deny)
//   message_reply, message_typing_state, chat service messages (`action`), the community's own
//   messages (`out`), confirmation, group_join, wall_post_new and the other notice types
//                 -> NotCustomerTraffic (connectors/sdk/not_customer_traffic.h: answered "ok",
//                    counted by type; skipped in a Long Poll response): rejecting them would make
//                    VK retry them and eventually switch the server off
// Other types are rejected: VK only sends the types enabled for the server, so one arriving here
// is a configuration to fix, counted by the endpoint. The thread key "<group_id>:<peer_id>" is what
// messages.send needs. Media become references (VK's URLs) with type and size; nothing is
// downloaded. client_info.lang_id is the language hint.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::vk {

inline constexpr std::string_view kProvider = "vk";

// What the connector reads of a Callback API body before it trusts it: enough to check the secret
// and to answer a confirmation.
struct CallbackEnvelope {
  std::string type;
  std::string secret;
  int64_t group_id = 0;  // 0 when absent
};

// Fails only when `body` is not a JSON object; absent fields are left empty.
absl::StatusOr<CallbackEnvelope> ReadEnvelope(std::string_view body);

// `group_id` is the connector's community: an update naming another one is refused, and an
// update without group_id is taken as this community's. 0 = any community, group_id required.
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseCallback(std::string_view body,
                                                                 int64_t group_id,
                                                                 TimePoint received_at);
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseLongPoll(std::string_view body,
                                                                 int64_t group_id,
                                                                 TimePoint received_at);

}  // namespace omni::connectors::vk
