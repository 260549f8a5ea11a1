#include "connectors/vk/vk_parser.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/file_name.h"
#include "connectors/sdk/json_fields.h"
#include "connectors/sdk/not_customer_traffic.h"

namespace omni::connectors::vk {
namespace {

using nlohmann::json;
using omnibroker::v1::Event;

// What VK sends that carries no customer message is acknowledged and dropped, counted under its
// type (connectors/sdk/not_customer_traffic.h): the Callback API types below, a chat service
// message ("service_message": someone joined, a title changed) and the community's own outgoing
// message ("outgoing") inside a message_new or message_edit. The one list; an unknown type is
// refused (VK only sends the types enabled for the server: one arriving here is a setting to fix).
constexpr std::string_view kNoticeTypes[] = {
    "app_payload",
    "audio_new",
    "board_post_delete",
    "board_post_edit",
    "board_post_new",
    "board_post_restore",
    "confirmation",  // answered by the connector before parsing (vk_connector.h)
    "donut_money_withdraw",
    "donut_money_withdraw_error",
    "donut_subscription_cancelled",
    "donut_subscription_create",
    "donut_subscription_expired",
    "donut_subscription_price_changed",
    "donut_subscription_prolonged",
    "group_change_photo",
    "group_change_settings",
    "group_join",
    "group_leave",
    "group_officers_edit",
    "like_add",
    "like_remove",
    "market_comment_delete",
    "market_comment_edit",
    "market_comment_new",
    "market_comment_restore",
    "market_order_edit",
    "market_order_new",
    "message_reply",         // the community's own outgoing messages, ours too
    "message_typing_state",  // transient
    "photo_comment_delete",
    "photo_comment_edit",
    "photo_comment_new",
    "photo_comment_restore",
    "photo_new",
    "poll_vote_new",
    "user_block",
    "user_unblock",
    "video_comment_delete",
    "video_comment_edit",
    "video_comment_new",
    "video_comment_restore",
    "video_new",
    "vkpay_transaction",
    "wall_post_new",
    "wall_reply_delete",
    "wall_reply_edit",
    "wall_reply_new",
    "wall_reply_restore",
    "wall_repost",
};

const json* Child(const json& parent, const char* key) {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  return it == parent.end() ? nullptr : &*it;
}

// An integer field, or 0 when absent or not a 64-bit integer (VK's ids are never 0).
int64_t Int(const json& parent, const char* key) {
  const json* value = Child(parent, key);
  if (!value || !value->is_number_integer()) return 0;
  if (value->is_number_unsigned() && value->get<uint64_t>() > INT64_MAX) return 0;
  return value->get<int64_t>();
}

// VK's interface languages (client_info.lang_id) as BCP 47.
std::string Language(int64_t lang_id) {
  static constexpr const char* kLanguages[] = {"ru", "uk", "be", "en", "es", "fi", "de", "it"};
  return lang_id >= 0 && lang_id < 8 ? kLanguages[lang_id] : "";
}

void Attach(Event& event, std::string url, std::string_view type, int64_t size = 0,
            std::string filename = "") {
  if (url.empty()) return;
  auto* attachment = event.mutable_content()->add_attachments();
  attachment->set_url(std::move(url));
  attachment->set_content_type(std::string(type));
  attachment->set_size_bytes(size);
  attachment->set_filename(AttachmentFileName(filename));
}

// The URL of the largest image in `images` (photo sizes, sticker images).
std::string LargestImage(const json* images) {
  std::string url;
  int64_t best = -1;
  if (!images || !images->is_array()) return url;
  for (const json& image : *images) {
    const int64_t area = Int(image, "width") * Int(image, "height");
    if (!String(image, "url").empty() && area >= best) {
      best = area;
      url = String(image, "url");
    }
  }
  return url;
}

// Each attachment as a reference to VK's copy; the kinds without a URL we can give are listed in
// metadata so an agent knows something more was sent.
void SetAttachments(const json& message, Event& event) {
  const json* attachments = Child(message, "attachments");
  if (!attachments || !attachments->is_array()) return;
  std::vector<std::string> others;
  for (const json& item : *attachments) {
    const std::string type = String(item, "type");
    const json* body = Child(item, type.c_str());
    if (type.empty() || !body || !body->is_object()) continue;
    const std::string object_id = absl::StrCat(Int(*body, "owner_id"), "_", Int(*body, "id"));
    if (type == "photo") {
      Attach(event, LargestImage(Child(*body, "sizes")), "image/jpeg");
    } else if (type == "doc") {
      Attach(event, String(*body, "url"), "application/octet-stream", Int(*body, "size"),
             String(*body, "title"));
    } else if (type == "audio_message") {
      const std::string ogg = String(*body, "link_ogg");
      Attach(event, ogg.empty() ? String(*body, "link_mp3") : ogg,
             ogg.empty() ? "audio/mpeg" : "audio/ogg");
    } else if (type == "audio") {
      Attach(event, String(*body, "url"), "audio/mpeg");
    } else if (type == "graffiti") {
      Attach(event, String(*body, "url"), "image/png");
    } else if (type == "sticker") {
      std::string url = LargestImage(Child(*body, "images"));
      if (url.empty()) url = absl::StrCat("vk-sticker:", Int(*body, "sticker_id"));
      Attach(event, url, "image/png");
    } else if (type == "video") {
      Attach(event, absl::StrCat("https://vk.com/video", object_id), "text/html");
    } else if (type == "wall") {
      const int64_t owner = Int(*body, "to_id") != 0 ? Int(*body, "to_id") : Int(*body, "owner_id");
      Attach(event, absl::StrCat("https://vk.com/wall", owner, "_", Int(*body, "id")), "text/html");
    } else if (type == "link") {
      Attach(event, String(*body, "url"), "text/html");
    } else {
      others.push_back(type);
    }
  }
  if (!others.empty()) {
    (*event.mutable_provider_metadata())["other_attachments"] = absl::StrJoin(others, ",");
  }
}

// One community and what the update says about it.
struct Update {
  int64_t group_id = 0;
  std::string event_id;
  std::string where;  // "" for a callback, "updates[i]." in a Long Poll response
};

std::string MessageEventId(const Update& update, int64_t peer_id, int64_t number) {
  return absl::StrCat(ToAbsl(kProvider), ":", update.group_id, ":", peer_id, ":", number);
}

// conversation_message_id (what a community's bot sees in chats, where id is 0), else id.
int64_t MessageNumber(const json& message) {
  const int64_t cmid = Int(message, "conversation_message_id");
  return cmid != 0 ? cmid : Int(message, "id");
}

Event NewEvent(const Update& update, int64_t peer_id, int64_t from_id, int64_t date,
               TimePoint received_at) {
  Event event;
  event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(received_at);
  event.mutable_occurred_at()->set_seconds(date);
  event.set_thread_key(absl::StrCat(update.group_id, ":", peer_id));
  event.mutable_sender()->set_provider(std::string(kProvider));
  event.mutable_sender()->set_handle(absl::StrCat(from_id));
  auto& metadata = *event.mutable_provider_metadata();
  metadata["group_id"] = absl::StrCat(update.group_id);
  metadata["peer_id"] = absl::StrCat(peer_id);
  if (!update.event_id.empty()) metadata["event_id"] = update.event_id;
  return event;
}

// message_new / message_edit; the object is {message, client_info} since API 5.103 and the
// message itself before (and for message_edit).
absl::StatusOr<std::vector<Event>> ParseMessage(const Update& update, const json& object,
                                                bool edited, TimePoint received_at) {
  const json* wrapped = Child(object, "message");
  const bool is_wrapped = wrapped && wrapped->is_object();
  const json& message = is_wrapped ? *wrapped : object;
  const std::string where = absl::StrCat(update.where, is_wrapped ? "object.message." : "object.");
  if (Child(message, "action")) {
    return NotCustomerTraffic("service_message",
                              absl::StrCat(where, "action: a chat service message"));
  }
  const int64_t from_id = Int(message, "from_id");
  if (from_id == 0) return MissingField(where, "from_id", "an integer");
  // A private dialog's peer is the user; old payloads leave peer_id out.
  const int64_t peer_id = Int(message, "peer_id") != 0 ? Int(message, "peer_id") : from_id;
  const int64_t number = MessageNumber(message);
  if (number == 0) return MissingField(where, "conversation_message_id/id", "a non-zero integer");
  const int64_t date = Int(message, "date");
  if (date <= 0) return MissingField(where, "date", "a positive integer");
  if (Int(message, "out") == 1) {
    return NotCustomerTraffic("outgoing", absl::StrCat(where, "out: the community's own message"));
  }
  const std::string original_id = MessageEventId(update, peer_id, number);
  Event event;
  if (edited) {
    const int64_t update_time =
        Int(message, "update_time") != 0 ? Int(message, "update_time") : date;
    event = NewEvent(update, peer_id, from_id, update_time, received_at);
    event.set_kind(omnibroker::v1::EVENT_KIND_EDIT);
    event.set_id(absl::StrCat(original_id, ":edit:", update_time));
    event.set_reply_to_event_id(original_id);
  } else {
    event = NewEvent(update, peer_id, from_id, date, received_at);
    event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
    event.set_id(original_id);
    if (const json* reply = Child(message, "reply_message"); reply && MessageNumber(*reply) != 0) {
      event.set_reply_to_event_id(MessageEventId(update, peer_id, MessageNumber(*reply)));
    }
  }
  auto& metadata = *event.mutable_provider_metadata();
  metadata["message_id"] = absl::StrCat(number);
  if (const json* forwarded = Child(message, "fwd_messages");
      forwarded && forwarded->is_array() && !forwarded->empty()) {
    metadata["forwarded_messages"] = absl::StrCat(forwarded->size());
  }
  if (std::string payload = String(message, "payload"); !payload.empty()) {
    metadata["payload"] = payload;  // the keyboard button pressed
  }
  if (const json* client = is_wrapped ? Child(object, "client_info") : nullptr) {
    if (const json* lang = Child(*client, "lang_id"); lang && lang->is_number_integer()) {
      event.set_language(Language(lang->get<int64_t>()));
    }
  }
  std::string text = String(message, "text");
  SetAttachments(message, event);
  if (const json* coordinates =
          Child(message, "geo") ? Child(*Child(message, "geo"), "coordinates") : nullptr) {
    const json* lat = Child(*coordinates, "latitude");
    const json* lon = Child(*coordinates, "longitude");
    if (lat && lat->is_number() && lon && lon->is_number()) {
      metadata["latitude"] = lat->dump();
      metadata["longitude"] = lon->dump();
      if (text.empty()) text = absl::StrCat("location: ", lat->dump(), ",", lon->dump());
    }
  }
  event.mutable_content()->set_text(text);
  if (text.empty() && event.content().attachments().empty() &&
      !metadata.contains("other_attachments")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "text is empty and there are no attachments or location"));
  }
  return std::vector<Event>{std::move(event)};
}

// message_read: the customer read the community's messages up to one.
absl::StatusOr<std::vector<Event>> ParseRead(const Update& update, const json& object,
                                             TimePoint received_at) {
  const std::string where = absl::StrCat(update.where, "object.");
  const int64_t from_id = Int(object, "from_id");
  if (from_id == 0) return MissingField(where, "from_id", "an integer");
  const int64_t peer_id = Int(object, "peer_id") != 0 ? Int(object, "peer_id") : from_id;
  const int64_t number = Int(object, "conversation_message_id") != 0
                             ? Int(object, "conversation_message_id")
                             : Int(object, "read_message_id");
  if (number == 0)
    return MissingField(where, "conversation_message_id/read_message_id", "an integer");
  const std::string read_id = MessageEventId(update, peer_id, number);
  Event event = NewEvent(update, peer_id, from_id, 0, received_at);
  *event.mutable_occurred_at() = ToProto(received_at);  // message_read carries no date
  event.set_kind(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  event.set_id(absl::StrCat(read_id, ":read"));
  event.set_reply_to_event_id(read_id);
  (*event.mutable_provider_metadata())["status"] = "read";
  return std::vector<Event>{std::move(event)};
}

// message_event: the customer pressed a callback button of a keyboard the community sent. The
// button's payload (chosen by whoever built the keyboard) is the text, as Telegram's callback_query
// data is, replying to the message that carried the button; VK's event_id tells presses apart.
absl::StatusOr<std::vector<Event>> ParseButton(const Update& update, const json& object,
                                               TimePoint received_at) {
  const std::string where = absl::StrCat(update.where, "object.");
  const int64_t user_id = Int(object, "user_id");
  if (user_id == 0) return MissingField(where, "user_id", "an integer");
  const int64_t peer_id = Int(object, "peer_id") != 0 ? Int(object, "peer_id") : user_id;
  const std::string press = String(object, "event_id");
  if (press.empty()) return MissingField(where, "event_id", "a string");
  const json* payload = Child(object, "payload");
  if (!payload || payload->is_null()) return MissingField(where, "payload", "a value");
  Event event = NewEvent(update, peer_id, user_id, 0, received_at);
  *event.mutable_occurred_at() = ToProto(received_at);  // the update carries no date
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.set_id(
      absl::StrCat(ToAbsl(kProvider), ":", update.group_id, ":", peer_id, ":button:", press));
  if (const int64_t number = Int(object, "conversation_message_id"); number != 0) {
    event.set_reply_to_event_id(MessageEventId(update, peer_id, number));
  }
  const std::string text = payload->is_string() ? payload->get<std::string>() : payload->dump();
  event.mutable_content()->set_text(text);
  (*event.mutable_provider_metadata())["payload"] = text;
  return std::vector<Event>{std::move(event)};
}

// message_allow / message_deny: the customer allowed or refused messages from the community.
absl::StatusOr<std::vector<Event>> ParsePermission(const Update& update, const json& object,
                                                   bool allowed, TimePoint received_at) {
  const int64_t user_id = Int(object, "user_id");
  if (user_id == 0)
    return MissingField(absl::StrCat(update.where, "object."), "user_id", "an integer");
  // Several allows and denies may follow each other: VK's event id tells them apart.
  if (update.event_id.empty()) return MissingField(update.where, "event_id", "a string");
  Event event = NewEvent(update, user_id, user_id, 0, received_at);
  *event.mutable_occurred_at() = ToProto(received_at);  // the update carries no date
  event.set_kind(omnibroker::v1::EVENT_KIND_SYSTEM);
  event.set_id(absl::StrCat(ToAbsl(kProvider), ":", update.group_id, ":", user_id, ":",
                            allowed ? "allow:" : "deny:", update.event_id));
  event.mutable_content()->set_text(
      allowed ? "customer allowed messages from the community"
              : "customer denied messages from the community: replies fail until they allow "
                "them again or write to the community");
  return std::vector<Event>{std::move(event)};
}

absl::StatusOr<std::vector<Event>> ParseUpdate(const json& root, std::string where,
                                               int64_t group_id, TimePoint received_at) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(where, "update must be a JSON object"));
  }
  const std::string type = String(root, "type");
  if (type.empty()) return MissingField(where, "type", "a string (not a VK update)");
  Update update{Int(root, "group_id"), String(root, "event_id"), std::move(where)};
  if (update.group_id == 0) update.group_id = group_id;
  if (update.group_id == 0) return MissingField(update.where, "group_id", "an integer");
  if (group_id != 0 && update.group_id != group_id) {
    return absl::InvalidArgumentError(absl::StrCat(update.where, "group_id ", update.group_id,
                                                   " is not this connector's community ",
                                                   group_id));
  }
  if (const auto notice = ListedKind(kNoticeTypes, type)) {
    return NotCustomerTraffic(*notice, absl::StrCat(update.where, "a VK '", type, "' notice"));
  }
  const json* object = Child(root, "object");
  if (!object || !object->is_object()) return MissingField(update.where, "object", "an object");
  absl::StatusOr<std::vector<Event>> events = std::vector<Event>{};
  if (type == "message_new" || type == "message_edit") {
    events = ParseMessage(update, *object, type == "message_edit", received_at);
  } else if (type == "message_read") {
    events = ParseRead(update, *object, received_at);
  } else if (type == "message_event") {
    events = ParseButton(update, *object, received_at);
  } else if (type == "message_allow" || type == "message_deny") {
    events = ParsePermission(update, *object, type == "message_allow", received_at);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(update.where, "unsupported type '", type,
                                                   "' (disable it in the Callback API settings)"));
  }
  if (events.ok()) {
    for (Event& event : *events) (*event.mutable_provider_metadata())["type"] = type;
  }
  return events;
}

absl::StatusOr<json> ParseObject(std::string_view body) {
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  return root;
}

}  // namespace

absl::StatusOr<CallbackEnvelope> ReadEnvelope(std::string_view body) {
  auto root = ParseObject(body);
  if (!root.ok()) return root.status();
  return CallbackEnvelope{String(*root, "type"), String(*root, "secret"), Int(*root, "group_id")};
}

absl::StatusOr<std::vector<Event>> ParseCallback(std::string_view body, int64_t group_id,
                                                 TimePoint received_at) {
  auto root = ParseObject(body);
  if (!root.ok()) return root.status();
  return ParseUpdate(*root, "", group_id, received_at);
}

absl::StatusOr<std::vector<Event>> ParseLongPoll(std::string_view body, int64_t group_id,
                                                 TimePoint received_at) {
  auto root = ParseObject(body);
  if (!root.ok()) return root.status();
  if (const json* failed = Child(*root, "failed")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "long poll failed=", failed->dump(), ": ask groups.getLongPollServer for a new key/ts"));
  }
  const json* updates = Child(*root, "updates");
  if (!updates || !updates->is_array()) {
    return MissingField("", "updates", "an array: not a VK Long Poll response");
  }
  std::vector<Event> events;
  for (size_t i = 0; i < updates->size(); ++i) {
    auto some =
        ParseUpdate((*updates)[i], absl::StrCat("updates[", i, "]."), group_id, received_at);
    if (!some.ok() && NotCustomerTrafficKind(some.status()).has_value()) continue;
    if (!some.ok()) return some.status();
    for (Event& event : *some) {
      (*event.mutable_provider_metadata())["ts"] = String(*root, "ts");
      events.push_back(std::move(event));
    }
  }
  return events;
}

}  // namespace omni::connectors::vk
