// X API v2 response bodies (GET /2/users/:id/mentions, /2/tweets/search/recent, /2/dm_events):
// what a polling mode reads. Tweets need author_id (tweet.fields=author_id) and DM events
// sender_id (dm_event.fields=sender_id): without them there is no customer to route to.
#include <map>

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/x/x_internal.h"
#include "connectors/x/x_parser.h"

namespace omni::connectors::x::internal {
namespace {

using omnibroker::v1::Event;

// includes.users and includes.media, by id and media_key.
struct Includes {
  std::map<std::string, const json*> users;
  std::map<std::string, const json*> media;
};

Includes ReadIncludes(const json& body) {
  Includes includes;
  const json* object = Object(body, "includes");
  if (!object) return includes;
  auto index = [object](const char* key, const char* field,
                        std::map<std::string, const json*>& by) {
    const json* list = Array(*object, key);
    for (size_t i = 0; list && i < list->size(); ++i) {
      if ((*list)[i].is_object()) by[String((*list)[i], field)] = &(*list)[i];
    }
  };
  index("users", "id", includes.users);
  index("media", "media_key", includes.media);
  return includes;
}

void SetUser(const std::string& user_id, const Includes& includes, Event& event) {
  auto it = includes.users.find(user_id);
  const json* user = it == includes.users.end() ? nullptr : it->second;
  SetSender(user_id, user ? String(*user, "name") : "", user ? String(*user, "username") : "",
            event);
}

// attachments.media_keys resolved through includes.media; a video's reference is its best MP4.
void AddMedia(const json& item, const Includes& includes, Event& event) {
  const json* attachments = Object(item, "attachments");
  const json* keys = attachments ? Array(*attachments, "media_keys") : nullptr;
  for (size_t i = 0; keys && i < keys->size(); ++i) {
    if (!(*keys)[i].is_string()) continue;
    auto it = includes.media.find((*keys)[i].get<std::string>());
    if (it == includes.media.end()) continue;
    const json& media = *it->second;
    const bool photo = String(media, "type") == "photo";
    std::string url = String(media, "url");
    int64_t best = -1;
    const json* variants = Array(media, "variants");
    for (size_t v = 0; variants && v < variants->size(); ++v) {
      const json& variant = (*variants)[v];
      if (!variant.is_object() || String(variant, "content_type") != "video/mp4") continue;
      auto rate = variant.find("bit_rate");
      const int64_t bit_rate =
          rate != variant.end() && rate->is_number_integer() ? rate->get<int64_t>() : 0;
      if (bit_rate > best) {
        best = bit_rate;
        url = String(variant, "url");
      }
    }
    if (url.empty()) continue;
    auto* a = event.mutable_content()->add_attachments();
    a->set_url(url);
    a->set_content_type(photo ? (url.ends_with(".png") ? "image/png" : "image/jpeg") : "video/mp4");
  }
}

absl::Status ParseTweet(const json& tweet, const std::string& where, std::string_view account,
                        const Includes& includes, TimePoint received_at, Batch& batch) {
  const std::string id = String(tweet, "id");
  if (id.empty()) return MissingField(where, ".id", "a string");
  const std::string author = String(tweet, "author_id");
  if (author.empty())
    return MissingField(where, ".author_id", "a string (request tweet.fields=author_id)");
  if (author == account) {
    batch.skipped.push_back(absl::StrCat(where, " is the account's own tweet"));
    return absl::OkStatus();
  }
  std::string parent;
  const json* referenced = Array(tweet, "referenced_tweets");
  for (size_t i = 0; referenced && i < referenced->size(); ++i) {
    if (!(*referenced)[i].is_object()) continue;
    const std::string type = String((*referenced)[i], "type");
    if (type == "retweeted") {
      batch.skipped.push_back(absl::StrCat(where, " is a retweet, not a customer message"));
      return absl::OkStatus();
    }
    if (type == "replied_to") parent = String((*referenced)[i], "id");
  }
  Event event =
      NewEvent(omnibroker::v1::CHANNEL_SOCIAL, omnibroker::v1::EVENT_KIND_MESSAGE, received_at);
  event.set_id(absl::StrCat("x:tweet:", id));
  SetUser(author, includes, event);
  if (!SetOccurredRfc3339(String(tweet, "created_at"), event)) {
    *event.mutable_occurred_at() = ToProto(received_at);
  }
  if (!parent.empty()) event.set_reply_to_event_id(absl::StrCat("x:tweet:", parent));
  std::string root = String(tweet, "conversation_id");
  if (root.empty()) root = parent.empty() ? id : parent;
  event.set_thread_key(absl::StrCat(ToAbsl(kTweetThreadPrefix), root));
  const json* note = Object(tweet, "note_tweet");  // a long post's full text
  const std::string long_text = note ? String(*note, "text") : "";
  event.mutable_content()->set_text(long_text.empty() ? String(tweet, "text") : long_text);
  AddMedia(tweet, includes, event);
  SetLanguage(String(tweet, "lang"), event);
  (*event.mutable_provider_metadata())["tweet_id"] = id;
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseDmEvent(const json& dm, const std::string& where, std::string_view account,
                          const Includes& includes, TimePoint received_at, Batch& batch) {
  const std::string type = String(dm, "event_type");
  if (type != "MessageCreate") {
    batch.skipped.push_back(absl::StrCat(where, " is a ", type, " event, not a message"));
    return absl::OkStatus();
  }
  const std::string id = String(dm, "id");
  if (id.empty()) return MissingField(where, ".id", "a string");
  const std::string sender = String(dm, "sender_id");
  if (sender.empty()) {
    return MissingField(where, ".sender_id", "a string (request dm_event.fields=sender_id)");
  }
  if (sender == account) {
    batch.skipped.push_back(absl::StrCat(where, " is the account's own direct message"));
    return absl::OkStatus();
  }
  Event event =
      NewEvent(omnibroker::v1::CHANNEL_MESSENGER, omnibroker::v1::EVENT_KIND_MESSAGE, received_at);
  event.set_id(absl::StrCat("x:dm:", id));
  event.set_thread_key(absl::StrCat(ToAbsl(kDmThreadPrefix), sender));
  SetUser(sender, includes, event);
  if (!SetOccurredRfc3339(String(dm, "created_at"), event)) {
    *event.mutable_occurred_at() = ToProto(received_at);
  }
  event.mutable_content()->set_text(String(dm, "text"));
  AddMedia(dm, includes, event);
  if (const std::string conversation = String(dm, "dm_conversation_id"); !conversation.empty()) {
    (*event.mutable_provider_metadata())["dm_conversation_id"] = conversation;
  }
  if (event.content().text().empty() && event.content().attachments().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, " has no text or media"));
  }
  batch.events.push_back(std::move(event));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Event>> ParseApiV2(const json& body, std::string_view account_id,
                                              TimePoint received_at) {
  auto data = body.find("data");
  if (data == body.end()) {
    const json* meta = Object(body, "meta");
    auto count = meta ? meta->find("result_count") : body.end();
    if (meta && count != meta->end() && count->is_number_integer() && count->get<int64_t>() == 0) {
      return std::vector<Event>{};  // an empty page: nothing new
    }
    return MissingField("", "data", "an array (a v2 page with results)");
  }
  if (data->is_object() && data->contains("dm_event_id")) {
    return absl::InvalidArgumentError(
        "an X API v2 send-message response (data.dm_event_id), not an inbound message");
  }
  if (!data->is_array() && !data->is_object())
    return MissingField("", "data", "an array or object");
  const json items = data->is_array() ? *data : json::array({*data});
  const Includes includes = ReadIncludes(body);
  Batch batch;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string where = absl::StrCat("data[", i, "]");
    const json& item = items[i];
    absl::Status s = !item.is_object() ? MissingField(where, "", "an object")
                     : item.contains("event_type")
                         ? ParseDmEvent(item, where, account_id, includes, received_at, batch)
                     : item.contains("text")
                         ? ParseTweet(item, where, account_id, includes, received_at, batch)
                         : absl::InvalidArgumentError(absl::StrCat(
                               where, " is neither a tweet (text) nor a DM event (event_type)"));
    if (!s.ok()) return s;
  }
  return Finish(std::move(batch));
}

}  // namespace omni::connectors::x::internal
