// The X connector's pure part: an X (Twitter) body -> omnibroker Events, or a clear error naming
// the field. No I/O; tested on tests/corpus/twitter. Two shapes, told apart by structure:
//
// Account Activity API webhook bodies (they name the account in `for_user_id`):
//   tweet_create_events (a mention or reply)  -> MESSAGE, CHANNEL_SOCIAL, id "x:tweet:<id_str>"
//   direct_message_events (message_create)    -> MESSAGE, CHANNEL_MESSENGER, id "x:dm:<id>"
//   tweet_delete_events                       -> DELETE, reply_to "x:tweet:<id>"
//   direct_message_mark_read_events           -> DELIVERY_STATUS (the customer read up to a DM)
//   the account's own tweets and DMs, retweets, typing indicators, likes, follows, blocks and
//   mutes are not customer messages: skipped, and a body with nothing else is rejected saying so.
// X API v2 responses (what a polling mode reads: GET /2/users/:id/mentions, /2/dm_events):
//   data[] of tweets (id, text, author_id; includes.users for names) or of DM events
//   (event_type MessageCreate, sender_id); an empty page is no events; anything else is rejected.
//
// Thread keys say what Deliver needs: "dm:<participant user id>" for direct messages,
// "tweet:<conversation root id>" for public mentions (conversation_id when X gives it, else the
// tweet replied to, else the tweet itself). Ids are always X's decimal strings (id_str): they
// exceed 2^53 and must never pass through a double.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::x {

inline constexpr std::string_view kProvider = "x";
inline constexpr std::string_view kSignatureHeader = "X-Twitter-Webhooks-Signature";
inline constexpr std::string_view kDmThreadPrefix = "dm:";
inline constexpr std::string_view kTweetThreadPrefix = "tweet:";

// `account_id` is the served account's user id: API v2 bodies do not name it, and a webhook body
// for another account (for_user_id) is rejected; "" = unknown, then the account's own items in
// v2 bodies cannot be told apart.
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseBody(std::string_view body,
                                                             std::string_view account_id,
                                                             TimePoint received_at);

}  // namespace omni::connectors::x
