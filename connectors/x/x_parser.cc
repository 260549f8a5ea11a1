#include "connectors/x/x_parser.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/x/x_internal.h"

namespace omni::connectors::x {
namespace internal {

std::string Id(const json& parent, const char* str_key, const char* int_key) {
  std::string id = String(parent, str_key);
  auto it = parent.find(int_key);
  if (id.empty() && it != parent.end() && it->is_number_integer()) {
    id = it->is_number_unsigned() ? std::to_string(it->get<uint64_t>())
                                  : std::to_string(it->get<int64_t>());
  }
  return id;
}

omnibroker::v1::Event NewEvent(omnibroker::v1::Channel channel, omnibroker::v1::EventKind kind,
                               TimePoint received_at) {
  omnibroker::v1::Event event;
  event.set_channel(channel);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  event.set_kind(kind);
  *event.mutable_received_at() = ToProto(received_at);
  return event;
}

void SetSender(std::string_view user_id, std::string_view name, std::string_view screen_name,
               omnibroker::v1::Event& event) {
  auto* sender = event.mutable_sender();
  sender->set_provider(std::string(kProvider));
  sender->set_handle(std::string(user_id));
  sender->set_display_name(std::string(name.empty() ? screen_name : name));
  if (!screen_name.empty()) {
    (*event.mutable_provider_metadata())["screen_name"] = std::string(screen_name);
  }
}

bool SetOccurredMillis(std::string_view millis, omnibroker::v1::Event& event) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(ToAbsl(millis), &ms) || ms <= 0) return false;
  event.mutable_occurred_at()->set_seconds(ms / 1000);
  event.mutable_occurred_at()->set_nanos(static_cast<int32_t>(ms % 1000) * 1000000);
  return true;
}

bool SetOccurredRfc3339(std::string_view text, omnibroker::v1::Event& event) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text), &time, &error)) return false;
  return SetOccurredMillis(std::to_string(absl::ToUnixMillis(time)), event);
}

void SetLanguage(std::string_view lang, omnibroker::v1::Event& event) {
  if (lang != "und") event.set_language(std::string(lang));
}

absl::StatusOr<std::vector<omnibroker::v1::Event>> Finish(Batch batch) {
  if (batch.events.empty() && !batch.skipped.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("nothing to route: ", absl::StrJoin(batch.skipped, "; ")));
  }
  return std::move(batch.events);
}

}  // namespace internal

namespace {

using namespace internal;  // NOLINT: this file implements them
using omnibroker::v1::Event;

std::string TweetEventId(std::string_view id) { return absl::StrCat("x:tweet:", ToAbsl(id)); }
std::string DmEventId(std::string_view id) { return absl::StrCat("x:dm:", ToAbsl(id)); }

// v1.1 created_at: "Wed Feb 05 08:39:31 +0000 2020".
bool SetOccurredLegacy(const std::string& text, Event& event) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%a %b %d %H:%M:%S %z %Y", text, &time, &error)) return false;
  return SetOccurredMillis(std::to_string(absl::ToUnixMillis(time)), event);
}

// The media of a v1.1 tweet as references: the full list (extended_entities) when present, else
// the first one (entities). A video's reference is its best MP4 variant.
void AddTweetMedia(const json& tweet, Event& event) {
  const json* extended = Object(tweet, "extended_tweet");
  const json* media = nullptr;
  for (const json* holder : {extended, &tweet}) {
    if (!holder || media) continue;
    for (const char* key : {"extended_entities", "entities"}) {
      const json* entities = Object(*holder, key);
      if (!media && entities) media = Array(*entities, "media");
    }
  }
  if (!media) return;
  for (const json& item : *media) {
    if (!item.is_object()) continue;
    std::string url = String(item, "media_url_https");
    std::string type = String(item, "type") == "photo" ? "image/jpeg" : "video/mp4";
    if (url.ends_with(".png")) type = "image/png";
    int64_t best_bitrate = -1;
    const json* video = Object(item, "video_info");
    const json* variants = video ? Array(*video, "variants") : nullptr;
    for (size_t i = 0; variants && i < variants->size(); ++i) {
      const json& variant = (*variants)[i];
      if (!variant.is_object() || String(variant, "content_type") != "video/mp4") continue;
      auto bitrate = variant.find("bitrate");
      if (bitrate == variant.end() || !bitrate->is_number_integer() ||
          bitrate->get<int64_t>() <= best_bitrate) {
        continue;
      }
      best_bitrate = bitrate->get<int64_t>();
      url = String(variant, "url");
    }
    if (url.empty()) continue;
    auto* attachment = event.mutable_content()->add_attachments();
    attachment->set_url(url);
    attachment->set_content_type(type);
  }
}

absl::Status ParseTweet(const json& tweet, const std::string& where, const std::string& account,
                        TimePoint received_at, Batch& batch) {
  const std::string id = Id(tweet, "id_str", "id");
  if (id.empty()) return MissingField(where, ".id_str", "a string");
  const json* user = Object(tweet, "user");
  const std::string user_id = user ? Id(*user, "id_str", "id") : "";
  if (user_id.empty()) return MissingField(where, ".user.id_str", "a string");
  if (user_id == account) {
    batch.skipped.push_back(absl::StrCat(where,
                                         " is the account's own tweet (user.id_str == "
                                         "for_user_id), not a customer message"));
    return absl::OkStatus();
  }
  if (Object(tweet, "retweeted_status")) {
    batch.skipped.push_back(absl::StrCat(where, " is a retweet, not a customer message"));
    return absl::OkStatus();
  }
  Event event =
      NewEvent(omnibroker::v1::CHANNEL_SOCIAL, omnibroker::v1::EVENT_KIND_MESSAGE, received_at);
  event.set_id(TweetEventId(id));
  SetSender(user_id, String(*user, "name"), String(*user, "screen_name"), event);
  if (!SetOccurredMillis(String(tweet, "timestamp_ms"), event) &&
      !SetOccurredLegacy(String(tweet, "created_at"), event)) {
    return MissingField(where, ".timestamp_ms / .created_at", "a tweet time");
  }
  const std::string parent = Id(tweet, "in_reply_to_status_id_str", "in_reply_to_status_id");
  if (!parent.empty()) event.set_reply_to_event_id(TweetEventId(parent));
  std::string root = String(tweet, "conversation_id_str");
  if (root.empty()) root = parent.empty() ? id : parent;
  event.set_thread_key(absl::StrCat(ToAbsl(kTweetThreadPrefix), root));
  const json* extended = Object(tweet, "extended_tweet");
  std::string text = extended ? String(*extended, "full_text") : "";
  if (text.empty()) text = String(tweet, "full_text");
  if (text.empty()) text = String(tweet, "text");
  event.mutable_content()->set_text(text);
  AddTweetMedia(tweet, event);
  SetLanguage(String(tweet, "lang"), event);
  auto& metadata = *event.mutable_provider_metadata();
  metadata["tweet_id"] = id;
  metadata["for_user_id"] = account;
  if (event.content().text().empty() && event.content().attachments().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " has no text or media"));
  }
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseDirectMessage(const json& dm, const std::string& where,
                                const std::string& account, const json& body, TimePoint received_at,
                                Batch& batch) {
  const std::string type = String(dm, "type");
  if (type != "message_create") {
    batch.skipped.push_back(absl::StrCat(where, ".type '", type, "' is not message_create"));
    return absl::OkStatus();
  }
  const std::string id = String(dm, "id");
  if (id.empty()) return MissingField(where, ".id", "a string");
  const json* create = Object(dm, "message_create");
  if (!create) return MissingField(where, ".message_create", "an object");
  const std::string sender_id = String(*create, "sender_id");
  if (sender_id.empty()) return MissingField(where, ".message_create.sender_id", "a string");
  if (sender_id == account) {
    batch.skipped.push_back(absl::StrCat(where,
                                         " is the account's own direct message (sender_id "
                                         "== for_user_id), not a customer message"));
    return absl::OkStatus();
  }
  Event event =
      NewEvent(omnibroker::v1::CHANNEL_MESSENGER, omnibroker::v1::EVENT_KIND_MESSAGE, received_at);
  event.set_id(DmEventId(id));
  event.set_thread_key(absl::StrCat(ToAbsl(kDmThreadPrefix), sender_id));
  const json* users = Object(body, "users");
  const json* user = users ? Object(*users, sender_id.c_str()) : nullptr;
  SetSender(sender_id, user ? String(*user, "name") : "", user ? String(*user, "screen_name") : "",
            event);
  // A created_timestamp-less event (seen in hand-made samples) happened when it arrived.
  if (!SetOccurredMillis(String(dm, "created_timestamp"), event)) {
    *event.mutable_occurred_at() = ToProto(received_at);
  }
  const json* data = Object(*create, "message_data");
  if (!data) return MissingField(where, ".message_create.message_data", "an object");
  event.mutable_content()->set_text(String(*data, "text"));
  if (const json* attachment = Object(*data, "attachment")) {
    if (const json* media = Object(*attachment, "media")) {
      const std::string url = String(*media, "media_url_https");
      if (!url.empty()) {
        auto* a = event.mutable_content()->add_attachments();
        a->set_url(url);
        a->set_content_type(String(*media, "type") == "photo" ? "image/jpeg" : "video/mp4");
      }
    }
  }
  (*event.mutable_provider_metadata())["for_user_id"] = account;
  if (event.content().text().empty() && event.content().attachments().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " has no text or media"));
  }
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseTweetDelete(const json& item, const std::string& where,
                              const std::string& account, TimePoint received_at, Batch& batch) {
  const json* status = Object(item, "status");
  const std::string id = status ? String(*status, "id") : "";
  if (id.empty()) return MissingField(where, ".status.id", "a string");
  const std::string user_id = String(*status, "user_id");
  if (user_id.empty()) return MissingField(where, ".status.user_id", "a string");
  if (user_id == account) {
    batch.skipped.push_back(absl::StrCat(where, " deletes the account's own tweet"));
    return absl::OkStatus();
  }
  Event event =
      NewEvent(omnibroker::v1::CHANNEL_SOCIAL, omnibroker::v1::EVENT_KIND_DELETE, received_at);
  event.set_id(absl::StrCat(TweetEventId(id), ":delete"));
  event.set_reply_to_event_id(TweetEventId(id));
  // The root of the deleted tweet's conversation is not in the body; the tweet names its thread.
  event.set_thread_key(absl::StrCat(ToAbsl(kTweetThreadPrefix), id));
  SetSender(user_id, "", "", event);
  if (!SetOccurredMillis(String(item, "timestamp_ms"), event)) {
    return MissingField(where, ".timestamp_ms", "a millisecond timestamp");
  }
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseMarkRead(const json& item, const std::string& where, const std::string& account,
                           TimePoint received_at, Batch& batch) {
  const std::string reader = String(item, "initiated_by_id");
  if (reader.empty()) return MissingField(where, ".initiated_by_id", "a string");
  const std::string last_read = String(item, "last_read_event_id");
  if (last_read.empty()) return MissingField(where, ".last_read_event_id", "a string");
  if (reader == account) {
    batch.skipped.push_back(absl::StrCat(where, " is the account reading, not the customer"));
    return absl::OkStatus();
  }
  Event event = NewEvent(omnibroker::v1::CHANNEL_MESSENGER,
                         omnibroker::v1::EVENT_KIND_DELIVERY_STATUS, received_at);
  event.set_id(absl::StrCat("x:read:", reader, ":", last_read));
  event.set_reply_to_event_id(DmEventId(last_read));
  event.set_thread_key(absl::StrCat(ToAbsl(kDmThreadPrefix), reader));
  SetSender(reader, "", "", event);
  if (!SetOccurredMillis(String(item, "created_timestamp"), event)) {
    return MissingField(where, ".created_timestamp", "a millisecond timestamp");
  }
  (*event.mutable_provider_metadata())["status"] = "read";
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

// Activity X reports that is not a customer message, and why it is left out.
constexpr std::pair<const char*, const char*> kNotMessages[] = {
    {"direct_message_indicate_typing_events", "a typing indicator"},
    {"favorite_events", "a like"},
    {"follow_events", "a follow"},
    {"unfollow_events", "an unfollow"},
    {"block_events", "a block"},
    {"unblock_events", "an unblock"},
    {"mute_events", "a mute"},
    {"unmute_events", "an unmute"},
    {"user_event", "an app revocation"},
};

// Keys of a webhook body that carry no activity of their own.
bool IsContextKey(const std::string& key) {
  return key == "for_user_id" || key == "users" || key == "apps" || key == "user_has_blocked" ||
         key == "source";
}

absl::StatusOr<std::vector<Event>> ParseWebhook(const json& body, std::string_view account_id,
                                                TimePoint received_at) {
  const std::string account = String(body, "for_user_id");
  if (account.empty()) return MissingField("", "for_user_id", "a string");
  // One connector answers as one account (its access token): another account's activity on a
  // shared webhook would be answered from the wrong one.
  if (!account_id.empty() && account != account_id) {
    return absl::InvalidArgumentError(absl::StrCat("for_user_id '", account,
                                                   "' is not this connector's account_id '",
                                                   ToAbsl(account_id), "'"));
  }
  using ItemParser =
      absl::Status (*)(const json&, const std::string&, const std::string&, TimePoint, Batch&);
  Batch batch;
  for (const auto& [key, value] : body.items()) {
    if (IsContextKey(key)) continue;
    std::string not_message;
    for (const auto& [name, what] : kNotMessages) {
      if (key == name) not_message = what;
    }
    if (!not_message.empty()) {
      batch.skipped.push_back(absl::StrCat(key, ": ", not_message, ", not a customer message"));
      continue;
    }
    ItemParser parse = key == "tweet_create_events"               ? ParseTweet
                       : key == "tweet_delete_events"             ? ParseTweetDelete
                       : key == "direct_message_mark_read_events" ? ParseMarkRead
                                                                  : nullptr;
    if (!parse && key != "direct_message_events") {
      return absl::InvalidArgumentError(absl::StrCat("unsupported event type '", key, "'"));
    }
    if (!value.is_array()) return MissingField("", key, "an array");
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string where = absl::StrCat(key, "[", i, "]");
      if (!value[i].is_object()) return MissingField(where, "", "an object");
      absl::Status s = parse
                           ? parse(value[i], where, account, received_at, batch)
                           : ParseDirectMessage(value[i], where, account, body, received_at, batch);
      if (!s.ok()) return s;
    }
  }
  if (batch.events.empty() && batch.skipped.empty()) {
    return absl::InvalidArgumentError("the webhook body carries no events");
  }
  return Finish(std::move(batch));
}

}  // namespace

absl::StatusOr<std::vector<Event>> ParseBody(std::string_view body, std::string_view account_id,
                                             TimePoint received_at) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!parsed.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  if (parsed.contains("for_user_id")) return ParseWebhook(parsed, account_id, received_at);
  if (parsed.contains("data") || parsed.contains("meta")) {
    return ParseApiV2(parsed, account_id, received_at);
  }
  if (parsed.contains("errors")) {
    return absl::InvalidArgumentError(
        absl::StrCat("an X API error response: ", parsed["errors"].dump().substr(0, 200)));
  }
  return absl::InvalidArgumentError(
      "neither an Account Activity webhook body (for_user_id) nor an X API v2 response "
      "(data / meta)");
}

}  // namespace omni::connectors::x
