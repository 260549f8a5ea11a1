#include "connectors/telegram/telegram_parser.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/file_name.h"
#include "connectors/sdk/json_fields.h"
#include "connectors/sdk/not_customer_traffic.h"

namespace omni::connectors::telegram {
namespace {

using nlohmann::json;
using omnibroker::v1::Event;

// What Telegram sends that carries no customer message is acknowledged and dropped, counted under
// its kind (connectors/sdk/not_customer_traffic.h): the update kinds below, and a message that is
// only a service notice ("service_message": someone joined, a title changed, a message was
// pinned). The one list; an update or message of another kind that cannot be read is refused.
constexpr std::string_view kNoticeUpdates[] = {
    "business_connection",        // a business account connected the bot or changed its rights
    "chat_boost",                 // a chat boost was added or changed
    "chat_join_request",          // a request to join a chat the bot administers
    "chat_member",                // a member's status changed in a chat the bot administers
    "chosen_inline_result",       // the result a user picked in inline mode
    "deleted_business_messages",  // messages deleted from a connected business account
    "inline_query",               // inline mode: @bot typed in another chat, answered by the bot
    "message_reaction_count",     // anonymous reaction totals of a channel post
    "my_chat_member",             // the bot was added, blocked or removed
    "poll",                       // the state of a poll the bot sent
    "poll_answer",                // a vote in a non-anonymous poll the bot sent
    "pre_checkout_query",         // payments, answered by the bot's payment flow
    "purchased_paid_media",
    "removed_chat_boost",
    "shipping_query",
};

// The fields of a Message that make it a service notice rather than something a person wrote.
constexpr const char* kServiceMessageFields[] = {
    "boost_added",
    "channel_chat_created",
    "chat_background_set",
    "connected_website",
    "delete_chat_photo",
    "forum_topic_closed",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "giveaway_completed",
    "giveaway_created",
    "group_chat_created",
    "left_chat_member",
    "message_auto_delete_timer_changed",
    "migrate_from_chat_id",
    "migrate_to_chat_id",
    "new_chat_members",
    "new_chat_photo",
    "new_chat_title",
    "pinned_message",
    "proximity_alert_triggered",
    "supergroup_chat_created",
    "video_chat_ended",
    "video_chat_participants_invited",
    "video_chat_scheduled",
    "video_chat_started",
    "write_access_allowed",
};

bool IsServiceMessage(const json& message) {
  for (const char* field : kServiceMessageFields) {
    if (message.contains(field)) return true;
  }
  return false;
}

// An integer field as decimal text ("" when absent or not an integer).
std::string IntText(const json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_number_integer() ? std::to_string(it->get<int64_t>()) : "";
}

void SetSender(const json& from, Event& event) {
  auto* sender = event.mutable_sender();
  sender->set_provider(std::string(kProvider));
  sender->set_handle(IntText(from, "id"));
  std::string name = String(from, "first_name");
  if (const std::string last = String(from, "last_name"); !last.empty()) {
    name = name.empty() ? last : absl::StrCat(name, " ", last);
  }
  if (name.empty()) name = String(from, "title");  // a channel
  sender->set_display_name(name);
  if (const std::string user = String(from, "username"); !user.empty()) {
    (*event.mutable_provider_metadata())["username"] = user;
  }
  event.set_language(String(from, "language_code"));
}

void AddFile(const json& file, std::string_view default_type, Event& event) {
  const std::string file_id = String(file, "file_id");
  if (file_id.empty()) return;
  auto* attachment = event.mutable_content()->add_attachments();
  attachment->set_url(absl::StrCat(ToAbsl(kFileUrlPrefix), file_id));
  const std::string mime = String(file, "mime_type");
  attachment->set_content_type(mime.empty() ? std::string(default_type) : mime);
  if (auto size = file.find("file_size"); size != file.end() && size->is_number_integer()) {
    attachment->set_size_bytes(size->get<int64_t>());
  }
  attachment->set_filename(AttachmentFileName(String(file, "file_name")));
}

// An invoice's total_amount, which the Bot API gives in the currency's smallest unit, in its
// major unit: "14.50" for 1450 EUR, "1000" for 1000 JPY (ISO 4217's currencies without a minor
// unit, and Telegram Stars, XTR).
std::string InvoiceAmount(const json& invoice) {
  auto total = invoice.find("total_amount");
  if (total == invoice.end() || !total->is_number_integer()) return "";
  static constexpr std::string_view kWhole[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                                "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                                "VND", "VUV", "XAF", "XOF", "XPF", "XTR"};
  const int64_t amount = total->get<int64_t>();
  if (amount < 0) return "";
  const std::string currency = String(invoice, "currency");
  if (std::find(std::begin(kWhole), std::end(kWhole), currency) != std::end(kWhole)) {
    return absl::StrCat(amount);
  }
  return absl::StrCat(amount / 100, ".", absl::Dec(amount % 100, absl::kZeroPad2));
}

// Text, media references, location, contact and web app data of a Message; a placeholder for
// what has no text of its own (a story, a game, an invoice).
void SetContent(const json& message, Event& event) {
  std::string text = String(message, "text");
  if (text.empty()) text = String(message, "caption");
  if (auto photos = message.find("photo"); photos != message.end() && photos->is_array() &&
                                           !photos->empty() && photos->back().is_object()) {
    AddFile(photos->back(), "image/jpeg", event);  // the sizes ascend; keep the largest
  }
  for (auto [key, type] : std::initializer_list<std::pair<const char*, const char*>>{
           {"video", "video/mp4"},
           {"voice", "audio/ogg"},
           {"audio", "audio/mpeg"},
           {"document", "application/octet-stream"},
           {"sticker", "image/webp"},
           {"animation", "video/mp4"},
           {"video_note", "video/mp4"}}) {
    if (const json* file = Object(message, key)) AddFile(*file, type, event);
  }
  auto& metadata = *event.mutable_provider_metadata();
  if (const json* location = Object(message, "location")) {
    auto lat = location->find("latitude"), lon = location->find("longitude");
    if (lat != location->end() && lat->is_number() && lon != location->end() && lon->is_number()) {
      metadata["latitude"] = lat->dump();
      metadata["longitude"] = lon->dump();
      if (text.empty()) text = absl::StrCat("location: ", lat->dump(), ",", lon->dump());
    }
  }
  if (const json* contact = Object(message, "contact")) {
    metadata["contact_phone"] = String(*contact, "phone_number");
    if (text.empty()) {
      text = absl::StrCat("contact: ", String(*contact, "first_name"), " ",
                          String(*contact, "phone_number"));
    }
  }
  if (const json* web_app = Object(message, "web_app_data")) {
    metadata["web_app_button"] = String(*web_app, "button_text");
    if (text.empty()) text = String(*web_app, "data");
  }
  if (const json* dice = Object(message, "dice")) {  // a thrown die, dart, ball…: emoji and value
    if (text.empty()) text = absl::StrCat(String(*dice, "emoji"), " ", IntText(*dice, "value"));
  }
  if (const json* poll = Object(message, "poll")) {  // a poll the customer sent
    std::vector<std::string> options;
    if (const json* list = Array(*poll, "options")) {
      for (const json& option : *list) {
        if (option.is_object()) options.push_back(String(option, "text"));
      }
    }
    if (text.empty()) {
      text = absl::StrCat("poll: ", String(*poll, "question"), " (", absl::StrJoin(options, " / "),
                          ")");
    }
  }
  if (const json* venue = Object(message, "venue")) {  // a place: its location is read above
    const std::string place = absl::StrCat(String(*venue, "title"), " ", String(*venue, "address"));
    if (!place.empty() && place != " ") absl::StrAppend(&text, " ", place);
  }
  if (Object(message, "story") && text.empty()) text = "[shared a story]";
  if (const json* game = Object(message, "game"); game && text.empty()) {
    text = absl::StrCat("[game: ", String(*game, "title"), "]");
  }
  if (const json* invoice = Object(message, "invoice"); invoice && text.empty()) {
    std::vector<std::string> parts;
    for (std::string part :
         {String(*invoice, "title"), InvoiceAmount(*invoice), String(*invoice, "currency")}) {
      if (!part.empty()) parts.push_back(std::move(part));
    }
    text = absl::StrCat("[invoice: ", absl::StrJoin(parts, " "), "]");
  }
  if (const json* forward = Object(message, "forward_from")) {
    metadata["forwarded_from"] = IntText(*forward, "id");
  }
  event.mutable_content()->set_text(text);
}

void SetCommon(Event& event, TimePoint received_at) {
  event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(received_at);
}

// A Message (new or edited) -> Event. A message to a business account the bot manages (Telegram
// Business: business_message) is answered through that connection: its chat is
// "<business_connection_id>:<chat id>", in the thread key and in the event ids, since the
// business account's chat with a user is not the bot's own chat with them.
absl::StatusOr<Event> ParseMessage(const json& message, std::string_view where, bool edited,
                                   bool business, TimePoint received_at) {
  const json* chat_object = Object(message, "chat");
  std::string chat_id = chat_object ? IntText(*chat_object, "id") : "";
  if (chat_id.empty()) return MissingField(where, "chat.id", "an integer");
  if (business) {
    const std::string connection = String(message, "business_connection_id");
    if (connection.empty() || connection.find(':') != std::string::npos) {
      return MissingField(where, "business_connection_id", "a string without ':'");
    }
    chat_id = absl::StrCat(connection, ":", chat_id);
  }
  const json* chat = chat_object;
  const std::string message_id = IntText(message, "message_id");
  if (message_id.empty()) return MissingField(where, "message_id", "an integer");
  auto date = message.find("date");
  if (date == message.end() || !date->is_number_integer()) {
    return MissingField(where, "date", "an integer");
  }
  Event event;
  SetCommon(event, received_at);
  event.set_thread_key(chat_id);
  const std::string original_id = absl::StrCat(ToAbsl(kProvider), ":", chat_id, ":", message_id);
  if (edited) {
    const std::string edit_date = IntText(message, "edit_date");
    if (edit_date.empty()) return MissingField(where, "edit_date", "an integer");
    event.set_kind(omnibroker::v1::EVENT_KIND_EDIT);
    event.set_id(absl::StrCat(original_id, ":edit:", edit_date));
    event.set_reply_to_event_id(original_id);
    event.mutable_occurred_at()->set_seconds(message["edit_date"].get<int64_t>());
  } else {
    event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
    event.set_id(original_id);
    event.mutable_occurred_at()->set_seconds(date->get<int64_t>());
    if (const json* reply = Object(message, "reply_to_message")) {
      if (const std::string id = IntText(*reply, "message_id"); !id.empty()) {
        event.set_reply_to_event_id(absl::StrCat(ToAbsl(kProvider), ":", chat_id, ":", id));
      }
    }
  }
  // A channel post has no `from`; the chat is the author then. A `from` without an id names nobody
  // the broker could answer.
  const json* from = Object(message, "from");
  if (from && IntText(*from, "id").empty()) return MissingField(where, "from.id", "an integer");
  SetSender(from ? *from : *chat, event);
  (*event.mutable_provider_metadata())["message_id"] = message_id;
  SetContent(message, event);
  if (event.content().text().empty() && event.content().attachments().empty()) {
    if (IsServiceMessage(message)) {
      return NotCustomerTraffic("service_message",
                                absl::StrCat(ToAbsl(where), " is a service message"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(where), " has no text, caption, media, location or contact"));
  }
  return event;
}

// message_reaction: a user changed their reaction to a message (in a chat where the bot is an
// administrator and asked for this update). A new emoji is a MESSAGE replying to that message, as
// the Meta channels route reactions; a reaction taken back carries nothing to route.
absl::StatusOr<Event> ParseReaction(const json& reaction, TimePoint received_at) {
  constexpr std::string_view kWhere = "message_reaction.";
  const json* chat = Object(reaction, "chat");
  const std::string chat_id = chat ? IntText(*chat, "id") : "";
  if (chat_id.empty()) return MissingField(kWhere, "chat.id", "an integer");
  const std::string message_id = IntText(reaction, "message_id");
  if (message_id.empty()) return MissingField(kWhere, "message_id", "an integer");
  auto date = reaction.find("date");
  if (date == reaction.end() || !date->is_number_integer()) {
    return MissingField(kWhere, "date", "an integer");
  }
  // An anonymous administrator reacts as the chat (actor_chat), everyone else as a user.
  const json* actor = Object(reaction, "user");
  if (!actor) actor = Object(reaction, "actor_chat");
  if (!actor || IntText(*actor, "id").empty()) {
    return MissingField(kWhere, "user.id", "an integer (nor actor_chat.id)");
  }
  const json* added = Array(reaction, "new_reaction");
  if (!added) return MissingField(kWhere, "new_reaction", "an array");
  std::string emoji;
  for (const json& type : *added) {
    if (!type.is_object()) continue;
    if (String(type, "type") == "emoji") absl::StrAppend(&emoji, String(type, "emoji"));
    if (String(type, "type") == "paid") absl::StrAppend(&emoji, "\xE2\xAD\x90");  // a paid star
  }
  if (emoji.empty()) {
    return NotCustomerTraffic("reaction_removed",
                              "message_reaction: the reaction was taken back (or is a custom one)");
  }
  Event event;
  SetCommon(event, received_at);
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  const std::string original_id = absl::StrCat(ToAbsl(kProvider), ":", chat_id, ":", message_id);
  event.set_id(
      absl::StrCat(original_id, ":reaction:", IntText(*actor, "id"), ":", date->get<int64_t>()));
  event.set_reply_to_event_id(original_id);
  event.set_thread_key(chat_id);
  event.mutable_occurred_at()->set_seconds(date->get<int64_t>());
  SetSender(*actor, event);
  event.mutable_content()->set_text(emoji);
  (*event.mutable_provider_metadata())["reaction"] = emoji;
  return event;
}

absl::StatusOr<Event> ParseCallback(const json& query, TimePoint received_at) {
  const std::string id = String(query, "id");
  if (id.empty()) return MissingField("callback_query.", "id", "a string");
  const json* from = Object(query, "from");
  if (!from || IntText(*from, "id").empty())
    return MissingField("callback_query.", "from.id", "an integer");
  Event event;
  SetCommon(event, received_at);
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.set_id(absl::StrCat(ToAbsl(kProvider), ":callback:", id));
  SetSender(*from, event);
  // The button sits on a message in a chat; an inline-mode button has none, and the bot can then
  // only answer the user privately, whose chat id is the user id.
  std::string chat_id = IntText(*from, "id");
  if (const json* message = Object(query, "message")) {
    if (const json* chat = Object(*message, "chat"); chat && !IntText(*chat, "id").empty()) {
      chat_id = IntText(*chat, "id");
    }
    if (const std::string mid = IntText(*message, "message_id"); !mid.empty()) {
      event.set_reply_to_event_id(absl::StrCat(ToAbsl(kProvider), ":", chat_id, ":", mid));
    }
  }
  event.set_thread_key(chat_id);
  *event.mutable_occurred_at() = ToProto(received_at);  // a callback carries no date
  event.mutable_content()->set_text(String(query, "data"));
  (*event.mutable_provider_metadata())["callback_query_id"] = id;
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("callback_query.data is missing (a game button)");
  }
  return event;
}

// The notice kind an update is, "" when it is none of kNoticeUpdates.
std::string_view NoticeKind(const json& update) {
  for (std::string_view kind : kNoticeUpdates) {
    if (Object(update, std::string(kind).c_str())) return kind;
  }
  return "";
}

}  // namespace

absl::StatusOr<std::vector<Event>> ParseUpdate(std::string_view body, TimePoint received_at) {
  const json update = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (update.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!update.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  const std::string update_id = IntText(update, "update_id");
  if (update_id.empty()) {
    return absl::InvalidArgumentError(
        "update_id is missing or not an integer: not a Telegram Update");
  }
  absl::StatusOr<Event> event = absl::InvalidArgumentError("");
  if (const json* m = Object(update, "message")) {
    event = ParseMessage(*m, "message.", false, false, received_at);
  } else if (const json* p = Object(update, "channel_post")) {
    event = ParseMessage(*p, "channel_post.", false, false, received_at);
  } else if (const json* e = Object(update, "edited_message")) {
    event = ParseMessage(*e, "edited_message.", true, false, received_at);
  } else if (const json* ep = Object(update, "edited_channel_post")) {
    event = ParseMessage(*ep, "edited_channel_post.", true, false, received_at);
  } else if (const json* b = Object(update, "business_message")) {
    event = ParseMessage(*b, "business_message.", false, true, received_at);
  } else if (const json* eb = Object(update, "edited_business_message")) {
    event = ParseMessage(*eb, "edited_business_message.", true, true, received_at);
  } else if (const json* r = Object(update, "message_reaction")) {
    event = ParseReaction(*r, received_at);
  } else if (const json* q = Object(update, "callback_query")) {
    event = ParseCallback(*q, received_at);
  } else if (const std::string_view kind = NoticeKind(update); !kind.empty()) {
    return NotCustomerTraffic(kind, absl::StrCat("a Telegram '", ToAbsl(kind), "' update"));
  } else {
    std::string kinds;
    for (const auto& [key, value] : update.items()) {
      if (key != "update_id") kinds = absl::StrCat(kinds, kinds.empty() ? "" : ",", key);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported update type '", kinds.empty() ? "none" : kinds, "'"));
  }
  if (!event.ok()) return event.status();
  (*event->mutable_provider_metadata())["update_id"] = update_id;
  return std::vector<Event>{*std::move(event)};
}

}  // namespace omni::connectors::telegram
