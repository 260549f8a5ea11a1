#include "connectors/meta/messaging_parser.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/meta/event_batch.h"
#include "connectors/meta/json_fields.h"
#include "connectors/sdk/not_customer_traffic.h"

namespace omni::connectors::meta {
namespace {

using omnibroker::v1::Event;

// What every event of one messaging item shares.
struct Item {
  const MessagingPlatform* platform;
  std::string where;  // "entry[0].messaging[1]"
  std::string page;   // recipient.id
  std::string user;   // sender.id
  google::protobuf::Timestamp occurred_at;
  TimePoint received_at;

  std::string Id(std::string_view mid) const {
    return absl::StrCat(ToAbsl(platform->provider), ":", ToAbsl(mid));
  }
  // For kinds that carry no mid: who, what and when.
  std::string KindId(std::string_view kind) const {
    return absl::StrCat(ToAbsl(platform->provider), ":", page, ":", user, ":", ToAbsl(kind), ":",
                        occurred_at.seconds() * 1000 + occurred_at.nanos() / 1'000'000);
  }
  Event NewEvent(omnibroker::v1::EventKind kind) const {
    Event event;
    event.set_kind(kind);
    event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
    event.set_provider(std::string(platform->provider));
    event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
    auto* sender = event.mutable_sender();
    sender->set_provider(std::string(platform->provider));
    sender->set_handle(user);  // a page-scoped id: no name or phone without a Graph API lookup
    event.set_thread_key(absl::StrCat(page, ":", user));
    *event.mutable_occurred_at() = occurred_at;
    *event.mutable_received_at() = ToProto(received_at);
    (*event.mutable_provider_metadata())["page_id"] = page;
    return event;
  }
};

// What the Messenger Platform sends that carries no customer message is acknowledged and dropped,
// counted under its kind (connectors/sdk/not_customer_traffic.h): the page's own "echo", a message
// Meta marks "unsupported", a "reaction_removed", "standby" items (another app owns the thread),
// "changes" (feed comments and mentions), and the notice kinds of a messaging item below. An item
// kind not listed and not routed is refused.
constexpr std::string_view kNoticeKinds[] = {
    "account_linking",     // messaging_account_linking: linked or unlinked
    "app_roles",           // handover protocol: which app has which role
    "checkout_update",     // messaging_checkout_updates
    "game_play",           // messaging_game_plays
    "messaging_feedback",  // a customer feedback form's answers go to the page's insights
    "optin",               // messaging_optins: a plugin or a notification opt-in
    "pass_thread_control",
    "payment",             // messaging_payments
    "policy-enforcement",  // messaging_policy_enforcement (Meta writes it with a hyphen)
    "policy_enforcement",
    "pre_checkout",  // messaging_pre_checkouts
    "request_thread_control",
    "response_feedback",  // a thumbs up or down on a bot's answer
    "take_thread_control",
};

std::string Number(const json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_number() ? it->dump() : "";
}

// Messenger's NLP guess, "en_XX" or "pt_BR", as BCP 47 ("en", "pt-BR"); XX is Meta's "any
// region".
std::string DetectedLanguage(const json& message) {
  const json* nlp = Object(message, "nlp");
  const json* locales = nlp ? Array(*nlp, "detected_locales") : nullptr;
  if (!locales || locales->empty() || !locales->front().is_object()) return "";
  const std::string locale = String(locales->front(), "locale");
  const size_t underscore = locale.find('_');
  if (underscore == std::string::npos) return locale;
  const std::string region = locale.substr(underscore + 1);
  return region.empty() || region == "XX" ? locale.substr(0, underscore)
                                          : absl::StrCat(locale.substr(0, underscore), "-", region);
}

std::string_view AttachmentType(std::string_view type) {
  if (type == "image" || type == "story_mention") return "image/*";
  if (type == "video" || type == "ig_reel" || type == "reel") return "video/*";
  if (type == "audio") return "audio/*";
  return "application/octet-stream";
}

// message.attachments[]: references to Meta's CDN (never fetched) or a text rendering.
void AddAttachments(const json& attachments, Event& event, std::vector<std::string>& texts) {
  auto& metadata = *event.mutable_provider_metadata();
  for (const json& attachment : attachments) {
    if (!attachment.is_object()) continue;
    const std::string type = String(attachment, "type");
    const json* payload = Object(attachment, "payload");
    metadata["attachment_type"] = type;
    if (type == "like_heart") {
      texts.push_back("\xE2\x9D\xA4\xEF\xB8\x8F");  // ❤️
      continue;
    }
    if (!payload) continue;
    if (type == "location") {
      const json* coordinates = Object(*payload, "coordinates");
      if (!coordinates) continue;
      metadata["latitude"] = Number(*coordinates, "lat");
      metadata["longitude"] = Number(*coordinates, "long");
      texts.push_back(absl::StrCat("location: ", metadata["latitude"], ",", metadata["longitude"]));
      continue;
    }
    const std::string url = String(*payload, "url");
    if (type == "fallback") {  // a shared link Meta cannot render
      texts.push_back(absl::StrJoin({String(*payload, "title"), url}, " "));
      continue;
    }
    if (url.empty()) continue;
    auto* reference = event.mutable_content()->add_attachments();
    reference->set_url(url);
    reference->set_content_type(std::string(AttachmentType(type)));
    if (const std::string sticker = IdText(*payload, "sticker_id"); !sticker.empty()) {
      metadata["sticker_id"] = sticker;
    }
    if (const std::string reel = IdText(*payload, "reel_video_id"); !reel.empty()) {
      metadata["reel_video_id"] = reel;
    }
  }
}

absl::Status ParseMessage(const Item& item, const json& message, EventBatch& batch) {
  const std::string where = item.where + ".message";
  if (Bool(message, "is_echo")) {
    batch.Drop("echo", absl::StrCat(where,
                                    " is an echo of the page's own message (is_echo), not a "
                                    "customer message"));
    return absl::OkStatus();
  }
  const std::string mid = IdText(message, "mid");
  if (mid.empty()) return Missing(where, "mid", "a string");
  if (Bool(message, "is_deleted")) {  // the customer unsent it
    Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_DELETE);
    event.set_id(absl::StrCat(item.Id(mid), ":deleted"));
    event.set_reply_to_event_id(item.Id(mid));
    batch.Add(std::move(event));
    return absl::OkStatus();
  }
  if (Bool(message, "is_unsupported")) {  // content Meta cannot pass on (e.g. a poll)
    batch.Drop("unsupported", absl::StrCat(where, " is unsupported by ",
                                           ToAbsl(item.platform->what), ": no content to route"));
    return absl::OkStatus();
  }
  Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.set_id(item.Id(mid));
  auto& metadata = *event.mutable_provider_metadata();
  metadata["mid"] = mid;
  std::vector<std::string> texts;
  if (const std::string text = String(message, "text"); !text.empty()) texts.push_back(text);
  if (const json* quick_reply = Object(message, "quick_reply")) {
    metadata["payload"] = String(*quick_reply, "payload");
  }
  if (const json* reply_to = Object(message, "reply_to")) {
    if (const std::string replied = IdText(*reply_to, "mid"); !replied.empty()) {
      event.set_reply_to_event_id(item.Id(replied));
    }
    if (const json* story = Object(*reply_to, "story")) {  // a reply to the account's story
      metadata["story_id"] = IdText(*story, "id");
      metadata["story_url"] = String(*story, "url");
    }
  }
  if (const json* attachments = Array(message, "attachments")) {
    AddAttachments(*attachments, event, texts);
  }
  event.mutable_content()->set_text(absl::StrJoin(texts, "\n"));
  event.set_language(DetectedLanguage(message));
  if (event.content().text().empty() && event.content().attachments().empty()) {
    return Missing(where, "text", "a string (and no attachment could be read)");
  }
  batch.Add(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseEdit(const Item& item, const json& edit, EventBatch& batch) {
  const std::string where = item.where + ".message_edit";
  const std::string mid = IdText(edit, "mid");
  if (mid.empty()) return Missing(where, "mid", "a string");
  Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_EDIT);
  event.set_id(absl::StrCat(item.Id(mid), ":edit:", IdText(edit, "num_edit")));
  event.set_reply_to_event_id(item.Id(mid));
  event.mutable_content()->set_text(String(edit, "text"));
  batch.Add(std::move(event));
  return absl::OkStatus();
}

// A button press (postback) or an entry through a link, ad or QR code (referral).
absl::Status ParseButtonOrReferral(const Item& item, std::string_view kind, const json& body,
                                   EventBatch& batch) {
  Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_MESSAGE);
  const std::string mid = IdText(body, "mid");
  event.set_id(mid.empty() ? item.KindId(kind) : item.Id(mid));
  auto& metadata = *event.mutable_provider_metadata();
  std::string text;
  if (kind == "postback") {
    metadata["payload"] = String(body, "payload");
    text = String(body, "title");
    if (text.empty()) text = metadata["payload"];
  }
  const json* referral = kind == "referral" ? &body : Object(body, "referral");
  if (referral) {
    metadata["referral_ref"] = String(*referral, "ref");
    metadata["referral_source"] = String(*referral, "source");
    if (const std::string ad = IdText(*referral, "ad_id"); !ad.empty()) metadata["ad_id"] = ad;
    if (text.empty()) text = metadata["referral_ref"];
    if (text.empty()) text = metadata["referral_source"];
  }
  if (text.empty()) {
    return Missing(item.where, absl::StrCat(ToAbsl(kind), ".title/payload/ref"), "a string");
  }
  event.mutable_content()->set_text(text);
  batch.Add(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseReaction(const Item& item, const json& reaction, EventBatch& batch) {
  const std::string where = item.where + ".reaction";
  const std::string mid = IdText(reaction, "mid");
  if (mid.empty()) return Missing(where, "mid", "a string");
  if (String(reaction, "action") == "unreact") {
    batch.Drop("reaction_removed", absl::StrCat(where, " removes a reaction: nothing to route"));
    return absl::OkStatus();
  }
  std::string emoji = String(reaction, "emoji");
  if (emoji.empty()) emoji = String(reaction, "reaction");
  if (emoji.empty()) return Missing(where, "emoji", "a string");
  Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.set_id(
      absl::StrCat(item.Id(mid), ":reaction:", item.user, ":", item.occurred_at.seconds()));
  event.set_reply_to_event_id(item.Id(mid));
  event.mutable_content()->set_text(emoji);
  (*event.mutable_provider_metadata())["reaction"] = emoji;
  batch.Add(std::move(event));
  return absl::OkStatus();
}

// delivery {mids, watermark} / read {watermark, or mid on Instagram}.
absl::Status ParseReceipt(const Item& item, std::string_view kind, const json& receipt,
                          EventBatch& batch) {
  const std::string status = kind == "delivery" ? "delivered" : "read";
  std::vector<std::string> mids;
  if (const json* list = Array(receipt, "mids")) {
    for (const json& mid : *list) {
      if (mid.is_string()) mids.push_back(mid.get<std::string>());
    }
  }
  if (const std::string mid = IdText(receipt, "mid"); !mid.empty()) mids.push_back(mid);
  for (const std::string& mid : mids) {
    Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
    event.set_id(absl::StrCat(item.Id(mid), ":status:", status));
    event.set_reply_to_event_id(item.Id(mid));
    (*event.mutable_provider_metadata())["status"] = status;
    batch.Add(std::move(event));
  }
  if (!mids.empty()) return absl::OkStatus();
  // Everything the page sent before the watermark (ms) has been delivered or read.
  const std::string watermark = IdText(receipt, "watermark");
  if (watermark.empty()) {
    return Missing(item.where, absl::StrCat(ToAbsl(kind), ".watermark"), "a number (nor mids)");
  }
  Event event = item.NewEvent(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  event.set_id(absl::StrCat(ToAbsl(item.platform->provider), ":", item.page, ":", item.user, ":",
                            status, ":", watermark));
  (*event.mutable_provider_metadata())["status"] = status;
  (*event.mutable_provider_metadata())["watermark"] = watermark;
  batch.Add(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseItem(const MessagingPlatform& platform, const json& entry, const json& body,
                       const std::string& where, TimePoint received_at, EventBatch& batch) {
  if (!body.is_object()) return absl::InvalidArgumentError(where + " is not an object");
  // The kind is the one key beside sender, recipient and timestamp.
  std::string kind;
  for (const auto& [key, value] : body.items()) {
    if (key != "sender" && key != "recipient" && key != "timestamp" && value.is_object()) {
      kind = key;
      break;
    }
  }
  if (kind.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " has no message, message_edit, postback, referral, reaction, delivery or read"));
  }
  // Known notices are dropped before the sender is asked for: a plugin's opt-in names the person
  // by user_ref only, a policy notice names nobody.
  if (const auto notice = ListedKind(kNoticeKinds, kind)) {
    // Meta writes policy-enforcement with a hyphen too; it is counted as one kind.
    const std::string_view dropped =
        *notice == "policy-enforcement" ? "policy_enforcement" : *notice;
    batch.Drop(std::string(dropped),
               absl::StrCat(where, " '", kind, "' is a notice, not a customer message"));
    return absl::OkStatus();
  }
  Item item{&platform, where};
  const json* sender = Object(body, "sender");
  item.user = sender ? IdText(*sender, "id") : "";
  if (item.user.empty()) {
    return Missing(where, "sender.id", "a string (a plugin opt-in by user_ref cannot be answered)");
  }
  const json* recipient = Object(body, "recipient");
  item.page = recipient ? IdText(*recipient, "id") : "";
  if (item.page.empty()) return Missing(where, "recipient.id", "a string");
  // A delivery receipt may carry no timestamp of its own; the entry's time is as good.
  auto ts = body.find("timestamp");
  auto entry_time = entry.find("time");
  if (!(ts != body.end() && ParseTimestamp(*ts, item.occurred_at)) &&
      !(entry_time != entry.end() && ParseTimestamp(*entry_time, item.occurred_at))) {
    return Missing(where, "timestamp", "a Unix time in milliseconds");
  }
  item.received_at = received_at;
  const json& value = *body.find(kind);
  if (kind == "message") return ParseMessage(item, value, batch);
  if (kind == "message_edit") return ParseEdit(item, value, batch);
  if (kind == "postback" || kind == "referral")
    return ParseButtonOrReferral(item, kind, value, batch);
  if (kind == "reaction") return ParseReaction(item, value, batch);
  if (kind == "delivery" || kind == "read") return ParseReceipt(item, kind, value, batch);
  batch.Refuse(absl::StrCat(where, " '", kind, "' is not a kind this connector knows"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<Event>> ParseMessagingWebhook(const MessagingPlatform& platform,
                                                         std::string_view body,
                                                         TimePoint received_at,
                                                         std::vector<std::string>* dropped) {
  auto root = ParseEnvelope(body, platform.object, platform.what);
  if (!root.ok()) return root.status();
  const json* entries = Array(*root, "entry");
  if (!entries) return Missing("", "entry", "an array");
  EventBatch batch;
  for (size_t i = 0; i < entries->size(); ++i) {
    const std::string where = Path("", "entry", i);
    const json& entry = (*entries)[i];
    if (!entry.is_object()) return absl::InvalidArgumentError(where + " is not an object");
    // Handover protocol: while another app owns the thread its messages come as standby; that
    // app answers them, so routing them to agents would answer twice.
    bool skipped = false;
    if (const json* standby = Array(entry, "standby")) {
      for (size_t j = 0; j < standby->size(); ++j) {
        batch.Drop("standby",
                   absl::StrCat(Path(where, "standby", j),
                                " belongs to the app that owns the thread (handover protocol)"));
        skipped = true;
      }
    }
    if (Array(entry, "changes")) {
      batch.Drop("changes", absl::StrCat(where, ".changes (comments, mentions) are not messaging"));
      skipped = true;
    }
    const json* messaging = Array(entry, "messaging");
    if (!messaging) {
      if (skipped) continue;
      return Missing(where, "messaging", "an array");
    }
    for (size_t j = 0; j < messaging->size(); ++j) {
      if (auto s = ParseItem(platform, entry, (*messaging)[j], Path(where, "messaging", j),
                             received_at, batch);
          !s.ok()) {
        return s;
      }
    }
  }
  return std::move(batch).Finish("entry is empty: nothing to route", dropped);
}

}  // namespace omni::connectors::meta
