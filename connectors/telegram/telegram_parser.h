// The Telegram connector's pure part: a Bot API webhook body (one Update) -> omnibroker Events,
// or a clear error naming the field. No I/O; tested on tests/corpus/telegram.
//
//   message / channel_post               -> EVENT_KIND_MESSAGE (text, caption, media, location and
//                                           venue, contact, web app data, dice, poll as text)
//   edited_message / edited_channel_post -> EVENT_KIND_EDIT (reply_to_event_id = the original)
//   business_message / edited_business_message -> the same, for a business account the bot
//                                           manages: the chat is "<business_connection_id>:<chat>"
//   callback_query (an inline button)    -> EVENT_KIND_MESSAGE whose text is the button's data
//   message_reaction                     -> EVENT_KIND_MESSAGE with the emoji, replying to the
//                                           message (a reaction taken back is dropped)
//   notices (my_chat_member, chat_member, …) and service messages -> NotCustomerTraffic
// Event ids are stable across Telegram's retries: "telegram:<chat>:<message id>" (an edit adds
// ":edit:<edit_date>", a reaction ":reaction:<user>:<date>", a button press is
// "telegram:callback:<query id>"). Media become attachment
// references "telegram-file:<file_id>" with type and size; nothing is downloaded.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::telegram {

inline constexpr std::string_view kProvider = "telegram";
inline constexpr std::string_view kSecretHeader = "X-Telegram-Bot-Api-Secret-Token";
inline constexpr std::string_view kFileUrlPrefix = "telegram-file:";

absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseUpdate(std::string_view body,
                                                               TimePoint received_at);

}  // namespace omni::connectors::telegram
