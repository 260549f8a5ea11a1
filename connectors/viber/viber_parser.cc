#include "connectors/viber/viber_parser.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/file_name.h"
#include "connectors/sdk/json_fields.h"
#include "connectors/sdk/not_customer_traffic.h"

namespace omni::connectors::viber {
namespace {

using nlohmann::json;
using omnibroker::v1::Event;

// 9999-12-31T23:59:59.999Z in milliseconds: beyond it a google.protobuf.Timestamp is invalid.
constexpr int64_t kMaxTimestampMs = 253402300799999;

const json* Member(const json& parent, const char* key) {
  auto it = parent.find(key);
  return it == parent.end() ? nullptr : &*it;
}

// An integer as its exact decimal text ("" when absent or not an integer). message_token exceeds
// 2^53, so it is printed from the parsed 64-bit integer and never passes through a double.
std::string IntegerText(const json& parent, const char* key) {
  const json* value = Member(parent, key);
  return value && value->is_number_integer() ? value->dump() : "";
}

// Viber user ids are base64 ("01234567890A="); anything else is not an id we can reply to.
bool IsUserId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return false;
    }
  }
  return true;
}

// sticker_id, which Viber documents as a number and some senders write as a digit string
// ("40133"): its decimal text, "" when absent, an error naming the value for anything else.
absl::StatusOr<std::string> StickerId(const json& message) {
  const json* value = Member(message, "sticker_id");
  if (!value || value->is_null()) return std::string();
  if (value->is_number_unsigned()) return value->dump();  // nlohmann reads 0 and up as unsigned
  if (value->is_string()) {
    const std::string text = value->get<std::string>();
    if (!text.empty() && text.size() <= 20 && std::all_of(text.begin(), text.end(), [](char c) {
          return absl::ascii_isdigit(static_cast<unsigned char>(c));
        })) {
      return text;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("message.sticker_id '", text.substr(0, 64), "' is not a number"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("message.sticker_id ", value->dump().substr(0, 64),
                   " is not a non-negative integer or a digit string"));
}

absl::StatusOr<std::string> UserId(std::string id, std::string_view field) {
  if (id.empty()) return MissingField("", field, "a string");
  if (!IsUserId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), " '", id, "' is not a Viber user id (base64)"));
  }
  return id;
}

// The fields every event shares; the thread is the user's 1:1 chat with the bot.
absl::StatusOr<Event> NewEvent(const json& root, const std::string& user_id,
                               TimePoint received_at) {
  const json* timestamp = Member(root, "timestamp");
  if (!timestamp || !timestamp->is_number_integer())
    return MissingField("", "timestamp", "an integer");
  const int64_t ms = timestamp->is_number_unsigned() && timestamp->get<uint64_t>() > INT64_MAX
                         ? -1
                         : timestamp->get<int64_t>();
  if (ms < 0 || ms > kMaxTimestampMs) {
    return absl::InvalidArgumentError(
        absl::StrCat("timestamp ", timestamp->dump(), " is not a time in milliseconds"));
  }
  Event event;
  event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(received_at);
  event.mutable_occurred_at()->set_seconds(ms / 1000);
  event.mutable_occurred_at()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  event.set_thread_key(user_id);
  event.mutable_sender()->set_provider(std::string(kProvider));
  event.mutable_sender()->set_handle(user_id);
  return event;
}

// The user object of a message (`sender`) or of subscribed / conversation_started (`user`).
void SetUser(const json& user, Event& event) {
  event.mutable_sender()->set_display_name(String(user, "name"));
  event.set_language(String(user, "language"));
  auto& metadata = *event.mutable_provider_metadata();
  if (std::string country = String(user, "country"); !country.empty())
    metadata["country"] = country;
  if (std::string api = IntegerText(user, "api_version"); !api.empty()) {
    metadata["api_version"] = api;
  }
}

void AddMedia(const json& message, const std::string& url, std::string_view type, Event& event) {
  auto* attachment = event.mutable_content()->add_attachments();
  attachment->set_url(url);
  attachment->set_content_type(std::string(type));
  if (const json* size = Member(message, "size"); size && size->is_number_integer()) {
    attachment->set_size_bytes(size->get<int64_t>());
  }
  attachment->set_filename(AttachmentFileName(String(message, "file_name")));
}

// Text and media of `message` by its type; an unknown type or a type without its payload fails.
absl::Status SetContent(const json& message, Event& event) {
  const std::string type = String(message, "type");
  if (type.empty()) return MissingField("", "message.type", "a string");
  std::string text = String(message, "text");
  const std::string media = String(message, "media");
  auto& metadata = *event.mutable_provider_metadata();
  metadata["message_type"] = type;
  if (type == "text") {
    if (text.empty()) return MissingField("", "message.text", "a non-empty string");
  } else if (type == "picture" || type == "video" || type == "file") {
    if (media.empty()) return MissingField("", "message.media", "a URL");
    AddMedia(message, media,
             type == "picture" ? "image/jpeg"
             : type == "video" ? "video/mp4"
                               : "application/octet-stream",
             event);
  } else if (type == "sticker") {
    auto sticker_id = StickerId(message);
    if (!sticker_id.ok()) return sticker_id.status();
    if (media.empty() && sticker_id->empty())
      return MissingField("", "message.media/sticker_id", "set");
    AddMedia(message, media.empty() ? absl::StrCat("viber-sticker:", *sticker_id) : media,
             "image/png", event);
  } else if (type == "contact") {
    const json* contact = Member(message, "contact");
    if (!contact || !contact->is_object()) return MissingField("", "message.contact", "an object");
    metadata["contact_phone"] = String(*contact, "phone_number");
    if (text.empty()) {
      text = absl::StrCat("contact: ", String(*contact, "name"), " ",
                          String(*contact, "phone_number"));
    }
  } else if (type == "location") {
    const json* location = Member(message, "location");
    const json* lat = location && location->is_object() ? Member(*location, "lat") : nullptr;
    const json* lon = location && location->is_object() ? Member(*location, "lon") : nullptr;
    if (!lat || !lat->is_number() || !lon || !lon->is_number()) {
      return MissingField("", "message.location.lat/lon", "numbers");
    }
    metadata["latitude"] = lat->dump();
    metadata["longitude"] = lon->dump();
    if (text.empty()) text = absl::StrCat("location: ", lat->dump(), ",", lon->dump());
  } else if (type == "url") {
    if (media.empty()) return MissingField("", "message.media", "a URL");
    metadata["url"] = media;
    if (text.empty()) text = media;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unsupported message.type '", type, "'"));
  }
  if (std::string tracking = String(message, "tracking_data"); !tracking.empty()) {
    metadata["tracking_data"] = tracking;
  }
  event.mutable_content()->set_text(text);
  return absl::OkStatus();
}

std::string EventId(std::string_view token) {
  return absl::StrCat(ToAbsl(kProvider), ":", ToAbsl(token));
}

// A customer's message; `user_key` is "sender" (message) or "user" (conversation_started).
absl::StatusOr<Event> ParseMessage(const json& root, const char* user_key, TimePoint received_at) {
  const std::string token = IntegerText(root, "message_token");
  if (token.empty()) return MissingField("", "message_token", "an integer");
  const json* user = Member(root, user_key);
  if (!user || !user->is_object()) return MissingField("", user_key, "an object");
  auto id = UserId(String(*user, "id"), absl::StrCat(user_key, ".id"));
  if (!id.ok()) return id.status();
  const json* message = Member(root, "message");
  if (!message || !message->is_object()) return MissingField("", "message", "an object");
  auto event = NewEvent(root, *id, received_at);
  if (!event.ok()) return event.status();
  event->set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event->set_id(EventId(token));
  (*event->mutable_provider_metadata())["message_token"] = token;
  SetUser(*user, *event);
  if (auto s = SetContent(*message, *event); !s.ok()) return s;
  return event;
}

// delivered / seen / failed about one of our messages, or subscribed / unsubscribed.
absl::StatusOr<Event> ParseNotice(const json& root, const std::string& name,
                                  TimePoint received_at) {
  const std::string token = IntegerText(root, "message_token");
  if (token.empty()) return MissingField("", "message_token", "an integer");
  const json* user = Member(root, "user");
  const bool has_user = name == "subscribed";
  if (has_user && (!user || !user->is_object())) return MissingField("", "user", "an object");
  auto id = has_user ? UserId(String(*user, "id"), "user.id")
                     : UserId(String(root, "user_id"), "user_id");
  if (!id.ok()) return id.status();
  auto event = NewEvent(root, *id, received_at);
  if (!event.ok()) return event.status();
  event->set_id(absl::StrCat(EventId(token), ":", name));
  auto& metadata = *event->mutable_provider_metadata();
  metadata["message_token"] = token;
  metadata["status"] = name;
  if (has_user) SetUser(*user, *event);
  if (name == "subscribed" || name == "unsubscribed") {
    event->set_kind(omnibroker::v1::EVENT_KIND_SYSTEM);
    event->mutable_content()->set_text(
        name == "subscribed"
            ? "customer subscribed to the bot"
            : "customer unsubscribed from the bot: Viber refuses replies until they write again");
    return event;
  }
  event->set_kind(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  event->set_reply_to_event_id(EventId(token));
  if (name == "failed") {
    metadata["desc"] = String(root, "desc");
    event->mutable_content()->set_text(absl::StrCat("delivery failed: ", String(root, "desc")));
  }
  return event;
}

}  // namespace

absl::StatusOr<std::vector<Event>> ParseCallback(std::string_view body, TimePoint received_at) {
  const json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  const std::string name = String(root, "event");
  if (name.empty()) return MissingField("", "event", "a string: not a Viber callback");
  // What Viber sends that carries no customer message is acknowledged and counted under its event
  // name (connectors/sdk/not_customer_traffic.h): set_webhook's "webhook" check, and a
  // "conversation_started" without a message (the user only opened the chat screen; a message
  // sent with it is a message). Delivery receipts and (un)subscriptions are events of their own.
  if (name == "webhook") return NotCustomerTraffic("webhook", "set_webhook's check");
  if (name == "conversation_started" && !Member(root, "message")) {
    return NotCustomerTraffic("conversation_started",
                              "the user opened the chat screen and wrote nothing yet");
  }
  absl::StatusOr<Event> event = absl::InvalidArgumentError("");
  if (name == "message" || name == "conversation_started") {
    event = ParseMessage(root, name == "message" ? "sender" : "user", received_at);
  } else if (name == "delivered" || name == "seen" || name == "failed" || name == "subscribed" ||
             name == "unsubscribed") {
    event = ParseNotice(root, name, received_at);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unsupported event '", name, "'"));
  }
  if (!event.ok()) return event.status();
  (*event->mutable_provider_metadata())["event"] = name;
  return std::vector<Event>{*std::move(event)};
}

}  // namespace omni::connectors::viber
