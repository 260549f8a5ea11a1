#include "connectors/whatsapp/whatsapp_parser.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/meta/event_batch.h"
#include "connectors/meta/json_fields.h"
#include "connectors/sdk/file_name.h"
#include "connectors/sdk/not_customer_traffic.h"

namespace omni::connectors::whatsapp {
namespace {

using meta::EventBatch;
using meta::IdText;
using meta::json;
using meta::Missing;
using omnibroker::v1::Event;

// What WhatsApp sends that carries no customer message is acknowledged and dropped, counted under
// its kind (connectors/sdk/not_customer_traffic.h): a change of a field other than "messages"
// (below), a "system" message (a number or identity change), a "request_welcome" (a user opened
// the chat for the first time and wrote nothing yet), a message WhatsApp itself could not
// read ("unsupported"), a "group" message or status, a "reaction_removed", and "errors" reported
// instead of messages. Anything else the parser cannot read is refused.
//
// The webhook fields of a WhatsApp Business Account besides "messages" (account, template,
// quality, calling, group and Business app notices), each counted under its name; a field not
// listed is counted as "other_field".
constexpr std::string_view kAccountFields[] = {
    "account_alerts",
    "account_review_update",
    "account_settings_update",
    "account_update",
    "automatic_events",
    "business_capability_update",
    "business_status_update",
    "calls",
    "flows",
    "group_lifecycle_update",
    "group_participants_update",
    "group_settings_update",
    "group_status_update",
    "history",
    "message_echoes",
    "message_template_components_update",
    "message_template_quality_update",
    "message_template_status_update",
    "messaging_handovers",
    "partner_solutions",
    "payment_configuration_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "security",
    "smb_app_state_sync",
    "smb_message_echoes",
    "template_category_update",
    "tracking_events",
    "user_id_update",
    "user_preferences",
};

std::string EventId(std::string_view wamid) {
  return absl::StrCat(ToAbsl(kProvider), ":", ToAbsl(wamid));
}

bool IsPhoneNumber(std::string_view s) {
  if (s.empty() || s.size() > 15) return false;  // E.164: at most 15 digits
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "code 131051: Message type unknown (Message type is currently not supported.)" for each error.
std::string ErrorText(const json& errors) {
  std::vector<std::string> parts;
  for (const json& error : errors) {
    if (!error.is_object()) continue;
    std::string part = absl::StrCat("code ", IdText(error, "code"), ": ", String(error, "title"));
    std::string details = String(error, "details");
    if (const json* data = Object(error, "error_data"); data && details.empty()) {
      details = String(*data, "details");
    }
    if (!details.empty()) absl::StrAppend(&part, " (", details, ")");
    parts.push_back(std::move(part));
  }
  return absl::StrJoin(parts, "; ");
}

// What one change's value says about its people: profile names by wa_id and by user id.
struct Contacts {
  std::map<std::string, std::string> names;
  std::string first_name;
  std::string first_user_id;  // contacts[0].user_id: the BSUID of a body about one customer
  size_t count = 0;

  explicit Contacts(const json& value) {
    const json* contacts = Array(value, "contacts");
    if (!contacts) return;
    for (const json& contact : *contacts) {
      if (!contact.is_object()) continue;
      const json* profile = Object(contact, "profile");
      const std::string name = profile ? String(*profile, "name") : "";
      if (first_name.empty()) first_name = name;
      if (count++ == 0) first_user_id = String(contact, "user_id");
      for (const char* key : {"wa_id", "user_id"}) {
        if (const std::string id = String(contact, key); !id.empty()) names.emplace(id, name);
      }
    }
  }
  // The customer's BSUID when the body names one customer only.
  std::string SoleUserId() const { return count == 1 ? first_user_id : ""; }
  std::string NameOf(const std::string& id) const {
    auto it = names.find(id);
    return it != names.end() ? it->second : first_name;
  }
};

// The common fields of every event from one change's value.
struct Scope {
  std::string phone_number_id;
  const Contacts* contacts;
  TimePoint received_at;
};

// The customer (a message's `from`, a status's `recipient_id`) as sender, and the thread.
absl::Status SetCustomer(const Scope& scope, const std::string& id, std::string_view field,
                         const std::string& user_id, Event& event) {
  auto* sender = event.mutable_sender();
  sender->set_provider(std::string(kProvider));
  sender->set_handle(id);
  // WhatsApp vouches for both: the wa_id is the number the account is registered with.
  sender->set_verified(true);
  if (IsPhoneNumber(id)) {
    sender->set_phone(absl::StrCat("+", id));
  } else if (!IsBusinessScopedUserId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(field), " '", id, "' is neither a phone number nor a user id"));
  }
  sender->set_display_name(scope.contacts->NameOf(id));
  // A malformed user id next to a valid number is not worth refusing the message for.
  if (IsBusinessScopedUserId(user_id)) (*event.mutable_provider_metadata())["user_id"] = user_id;
  event.set_thread_key(absl::StrCat(scope.phone_number_id, ":", id));
  event.set_channel(omnibroker::v1::CHANNEL_MESSENGER);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(scope.received_at);
  (*event.mutable_provider_metadata())["phone_number_id"] = scope.phone_number_id;
  return absl::OkStatus();
}

std::string_view DefaultMediaType(std::string_view type) {
  if (type == "image") return "image/jpeg";
  if (type == "sticker") return "image/webp";
  if (type == "video") return "video/mp4";
  if (type == "audio" || type == "voice") return "audio/ogg";
  return "application/octet-stream";
}

std::string Number(const json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_number() ? it->dump() : "";
}

// A message left out of the batch (event_batch.h): dropped as not customer traffic when `kind`
// names one of kNotCustomerTraffic, refused when `kind` is empty. Nothing is left out when `reason`
// is empty.
struct LeftOut {
  std::string kind;
  std::string reason;
};

void Record(LeftOut left_out, EventBatch& batch) {
  if (left_out.kind.empty()) {
    batch.Refuse(std::move(left_out.reason));
  } else {
    batch.Drop(std::move(left_out.kind), std::move(left_out.reason));
  }
}

// A message's content by type: text, a media reference, or a text rendering of a structured
// message. Returns what leaves it out of the batch, an error for a malformed one.
absl::StatusOr<LeftOut> SetContent(const json& message, const std::string& type,
                                   const std::string& where, Event& event) {
  auto& metadata = *event.mutable_provider_metadata();
  auto* content = event.mutable_content();
  const json* body = Object(message, type.c_str());
  if (type == "text") {
    if (!body || String(*body, "body").empty()) return Missing(where, "text.body", "a string");
    content->set_text(String(*body, "body"));
  } else if (type == "image" || type == "audio" || type == "video" || type == "document" ||
             type == "sticker" || type == "voice") {
    if (!body || String(*body, "id").empty()) return Missing(where, type + ".id", "a string");
    auto* attachment = content->add_attachments();
    attachment->set_url(absl::StrCat(ToAbsl(kMediaUrlPrefix), String(*body, "id")));
    const std::string mime = String(*body, "mime_type");
    attachment->set_content_type(mime.empty() ? std::string(DefaultMediaType(type)) : mime);
    attachment->set_filename(AttachmentFileName(String(*body, "filename")));
    content->set_text(String(*body, "caption"));
    metadata["media_type"] = type;
  } else if (type == "location") {
    if (!body || Number(*body, "latitude").empty() || Number(*body, "longitude").empty()) {
      return Missing(where, "location.latitude/longitude", "numbers");
    }
    metadata["latitude"] = Number(*body, "latitude");
    metadata["longitude"] = Number(*body, "longitude");
    std::string text = absl::StrCat("location: ", metadata["latitude"], ",", metadata["longitude"]);
    for (const char* key : {"name", "address"}) {
      if (const std::string part = String(*body, key); !part.empty())
        absl::StrAppend(&text, " ", part);
    }
    content->set_text(text);
  } else if (type == "contacts") {
    const json* contacts = Array(message, "contacts");
    if (!contacts || contacts->empty()) return Missing(where, "contacts", "a non-empty array");
    std::vector<std::string> cards;
    for (const json& card : *contacts) {
      if (!card.is_object()) continue;
      const json* name = Object(card, "name");
      std::string text = name ? String(*name, "formatted_name") : "";
      if (const json* phones = Array(card, "phones")) {
        for (const json& phone : *phones) {
          if (phone.is_object()) absl::StrAppend(&text, " ", String(phone, "phone"));
        }
      }
      cards.push_back(text);
    }
    content->set_text(absl::StrCat("contacts: ", absl::StrJoin(cards, "; ")));
  } else if (type == "interactive") {
    if (!body) return Missing(where, "interactive", "an object");
    const std::string kind = String(*body, "type");
    const json* reply = Object(*body, kind.c_str());
    if (!reply) return Missing(where, absl::StrCat("interactive.", kind), "an object");
    if (kind == "button_reply" || kind == "list_reply") {
      content->set_text(String(*reply, "title"));
      metadata["payload"] = String(*reply, "id");
    } else if (kind == "nfm_reply") {  // a WhatsApp Flow's answer
      content->set_text(String(*reply, "body"));
      metadata["flow_response"] = String(*reply, "response_json");
    } else {
      return LeftOut{"", absl::StrCat(where, ".interactive.type '", kind, "' is not supported")};
    }
    if (content->text().empty()) return Missing(where, "interactive title/body", "a string");
  } else if (type == "button") {  // a template's quick reply
    if (!body || String(*body, "text").empty()) return Missing(where, "button.text", "a string");
    content->set_text(String(*body, "text"));
    metadata["payload"] = String(*body, "payload");
  } else if (type == "reaction") {
    if (!body || String(*body, "message_id").empty()) {
      return Missing(where, "reaction.message_id", "a string");
    }
    const std::string emoji = String(*body, "emoji");
    if (emoji.empty()) {
      return LeftOut{"reaction_removed", absl::StrCat(where, " reaction was removed")};
    }
    content->set_text(emoji);
    metadata["reaction"] = emoji;
    event.set_reply_to_event_id(EventId(String(*body, "message_id")));
  } else if (type == "order") {
    if (!body) return Missing(where, "order", "an object");
    std::vector<std::string> items;
    if (const json* products = Array(*body, "product_items")) {
      for (const json& item : *products) {
        if (item.is_object()) {
          items.push_back(
              absl::StrCat(String(item, "product_retailer_id"), " x", Number(item, "quantity")));
        }
      }
    }
    content->set_text(absl::StrCat("order: ", absl::StrJoin(items, ", "),
                                   String(*body, "text").empty() ? "" : " — ",
                                   String(*body, "text")));
    metadata["catalog_id"] = String(*body, "catalog_id");
  } else {
    return LeftOut{"", absl::StrCat(where, ".type '", type, "' is not supported")};
  }
  return LeftOut{};
}

// A customer's edit of an earlier message (Meta's edit messages webhook: type "edit",
// edit.original_message_id and edit.message, the message as it now reads), normalized as
// Messenger's message_edit is: an EDIT pointing at the original, id "<original>:edit:<wamid of
// the edit>", its content the new text or caption. `event` already names the customer.
absl::Status ParseEdit(const json& message, const std::string& wamid, const std::string& where,
                       Event event, EventBatch& batch) {
  const json* edit = Object(message, "edit");
  if (!edit) return Missing(where, "edit", "an object");
  const std::string original = String(*edit, "original_message_id");
  if (original.empty()) return Missing(where, "edit.original_message_id", "a string");
  const json* edited = Object(*edit, "message");
  if (!edited) return Missing(where, "edit.message", "an object");
  std::string type = String(*edited, "type");
  if (type.empty() && Object(*edited, "text")) type = "text";
  if (type.empty()) return Missing(where, "edit.message.type", "a string");
  event.set_kind(omnibroker::v1::EVENT_KIND_EDIT);
  event.set_id(absl::StrCat(EventId(original), ":edit:", wamid));
  event.set_reply_to_event_id(EventId(original));
  (*event.mutable_provider_metadata())["wamid"] = wamid;
  auto left_out = SetContent(*edited, type, where + ".edit.message", event);
  if (!left_out.ok()) return left_out.status();
  if (!left_out->reason.empty()) {
    Record(*std::move(left_out), batch);
    return absl::OkStatus();
  }
  batch.Add(std::move(event));
  return absl::OkStatus();
}

// One item of value.messages.
absl::Status ParseMessage(const Scope& scope, const json& message, const std::string& where,
                          const json* value_errors, EventBatch& batch) {
  if (!message.is_object()) return absl::InvalidArgumentError(where + " is not an object");
  const std::string wamid = String(message, "id");
  if (wamid.empty()) return Missing(where, "id", "a string");
  const std::string type = String(message, "type");
  if (type == "request_welcome") {
    batch.Drop("request_welcome",
               absl::StrCat(where, " asks for a welcome message: the user wrote nothing yet"));
    return absl::OkStatus();
  }
  if (type == "system") {  // a customer changed number or identity: nobody wrote anything
    const json* system = Object(message, "system");
    batch.Drop("system",
               absl::StrCat(where, " is a system message (", system ? String(*system, "type") : "",
                            ": ", system ? String(*system, "body") : "", ")"));
    return absl::OkStatus();
  }
  Event event;
  auto ts = message.find("timestamp");
  if (ts == message.end() || !meta::ParseTimestamp(*ts, *event.mutable_occurred_at())) {
    return Missing(where, "timestamp", "a Unix time");
  }
  const std::string user_id = String(message, "from_user_id");
  // A customer who adopted a WhatsApp username may come without a phone number (Meta's
  // business-scoped user ids, 2026): `from` is then absent, and the BSUID in `from_user_id` (and
  // in contacts[].user_id) is who they are.
  std::string from = String(message, "from");
  const std::string from_field = where + (from.empty() ? ".from_user_id" : ".from");
  if (from.empty()) from = user_id.empty() ? scope.contacts->SoleUserId() : user_id;
  if (from.empty()) return Missing(where, "from", "a string (nor from_user_id, a BSUID)");
  if (auto s = SetCustomer(scope, from, from_field, user_id, event); !s.ok()) return s;
  // WhatsApp puts the reason it could not hand over the content on the message or beside it.
  const json* errors = Array(message, "errors");
  if (!errors) errors = value_errors;
  if (type == "unsupported" || (errors && !message.contains(type) && type != "revoke")) {
    // WhatsApp itself could not hand the content over: asking again cannot help.
    batch.Drop("unsupported", absl::StrCat(where, " could not be read by WhatsApp (",
                                           errors ? ErrorText(*errors) : "unsupported", ")"));
    return absl::OkStatus();
  }
  if (!String(message, "group_id").empty()) {
    batch.Drop("group", absl::StrCat(where,
                                     " is a group message: groups are not supported (a reply "
                                     "would reach the person, not the group)"));
    return absl::OkStatus();
  }
  if (type == "revoke") {
    const json* revoke = Object(message, "revoke");
    const std::string original = revoke ? String(*revoke, "original_message_id") : "";
    if (original.empty()) return Missing(where, "revoke.original_message_id", "a string");
    event.set_kind(omnibroker::v1::EVENT_KIND_DELETE);
    event.set_id(absl::StrCat(EventId(original), ":deleted"));
    event.set_reply_to_event_id(EventId(original));
    batch.Add(std::move(event));
    return absl::OkStatus();
  }
  if (type == "edit") return ParseEdit(message, wamid, where, std::move(event), batch);
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.set_id(EventId(wamid));
  auto& metadata = *event.mutable_provider_metadata();
  metadata["wamid"] = wamid;
  if (const json* context = Object(message, "context")) {
    if (const std::string replied = String(*context, "id"); !replied.empty()) {
      event.set_reply_to_event_id(EventId(replied));
    }
    if (Bool(*context, "forwarded") || Bool(*context, "frequently_forwarded")) {
      metadata["forwarded"] = "true";
    }
  }
  if (const json* referral = Object(message, "referral")) {  // came from a click-to-WhatsApp ad
    metadata["referral_source_url"] = String(*referral, "source_url");
    metadata["referral_headline"] = String(*referral, "headline");
  }
  auto left_out = SetContent(message, type, where, event);
  if (!left_out.ok()) return left_out.status();
  if (!left_out->reason.empty()) {
    Record(*std::move(left_out), batch);
    return absl::OkStatus();
  }
  batch.Add(std::move(event));
  return absl::OkStatus();
}

// One item of value.statuses: what became of a message the business sent.
absl::Status ParseStatus(const Scope& scope, const json& status, const std::string& where,
                         EventBatch& batch) {
  if (!status.is_object()) return absl::InvalidArgumentError(where + " is not an object");
  const std::string wamid = String(status, "id");
  if (wamid.empty()) return Missing(where, "id", "a string");
  const std::string state = String(status, "status");
  Event event;
  if (state == "sent" || state == "delivered" || state == "read" || state == "played" ||
      state == "failed") {
    event.set_kind(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
    event.set_id(absl::StrCat(EventId(wamid), ":status:", state));
  } else if (state == "deleted") {  // the customer deleted a message
    event.set_kind(omnibroker::v1::EVENT_KIND_DELETE);
    event.set_id(absl::StrCat(EventId(wamid), ":deleted"));
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".status '", state, "' is not sent, delivered, read, played, failed or deleted"));
  }
  if (String(status, "recipient_type") == "group") {
    batch.Drop("group", absl::StrCat(where, " is about a group message: groups are not supported"));
    return absl::OkStatus();
  }
  auto ts = status.find("timestamp");
  if (ts == status.end() || !meta::ParseTimestamp(*ts, *event.mutable_occurred_at())) {
    return Missing(where, "timestamp", "a Unix time");
  }
  // A message sent to a BSUID reports it in recipient_user_id, the phone only when Meta shares it.
  const std::string user_id = String(status, "recipient_user_id");
  const std::string recipient =
      String(status, "recipient_id").empty() ? user_id : String(status, "recipient_id");
  if (recipient.empty()) {
    return Missing(where, "recipient_id", "a string (nor recipient_user_id, a BSUID)");
  }
  if (auto s = SetCustomer(scope, recipient, where + ".recipient_id", user_id, event); !s.ok()) {
    return s;
  }
  event.set_reply_to_event_id(EventId(wamid));
  auto& metadata = *event.mutable_provider_metadata();
  metadata["status"] = state;
  metadata["wamid"] = wamid;
  if (const json* errors = Array(status, "errors")) metadata["error"] = ErrorText(*errors);
  if (const std::string data = String(status, "biz_opaque_callback_data"); !data.empty()) {
    metadata["callback_data"] = data;
  }
  batch.Add(std::move(event));
  return absl::OkStatus();
}

absl::Status ParseValue(const json& value, const std::string& where, TimePoint received_at,
                        EventBatch& batch) {
  const json* metadata = Object(value, "metadata");
  const std::string phone_number_id = metadata ? String(*metadata, "phone_number_id") : "";
  if (phone_number_id.empty()) return Missing(where, "metadata.phone_number_id", "a string");
  const Contacts contacts(value);
  const Scope scope{phone_number_id, &contacts, received_at};
  const json* messages = Array(value, "messages");
  const json* statuses = Array(value, "statuses");
  const json* errors = Array(value, "errors");
  if (!messages && !statuses) {
    if (errors) {
      batch.Drop("errors",
                 absl::StrCat(where, ".errors: WhatsApp reported an error instead of messages (",
                              ErrorText(*errors), ")"));
      return absl::OkStatus();
    }
    return Missing(where, "messages", "an array (nor statuses)");
  }
  for (size_t k = 0; messages && k < messages->size(); ++k) {
    if (auto s =
            ParseMessage(scope, (*messages)[k], meta::Path(where, "messages", k), errors, batch);
        !s.ok()) {
      return s;
    }
  }
  for (size_t k = 0; statuses && k < statuses->size(); ++k) {
    if (auto s = ParseStatus(scope, (*statuses)[k], meta::Path(where, "statuses", k), batch);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsBusinessScopedUserId(std::string_view s) {
  // "<ISO 3166 alpha-2>.<up to 128 alphanumerics>", a parent BSUID with ".ENT" in between.
  if (s.size() < 4 || s.size() > 140 || !absl::ascii_isupper(static_cast<unsigned char>(s[0])) ||
      !absl::ascii_isupper(static_cast<unsigned char>(s[1])) || s[2] != '.') {
    return false;
  }
  for (char c : s.substr(3)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

absl::StatusOr<std::vector<Event>> ParseWebhook(std::string_view body, TimePoint received_at,
                                                std::vector<std::string>* dropped) {
  auto root = meta::ParseEnvelope(body, "whatsapp_business_account", "WhatsApp Cloud API");
  if (!root.ok()) return root.status();
  const json* entries = Array(*root, "entry");
  if (!entries) return Missing("", "entry", "an array");
  EventBatch batch;
  for (size_t i = 0; i < entries->size(); ++i) {
    const std::string where = meta::Path("", "entry", i);
    const json& entry = (*entries)[i];
    const json* changes = entry.is_object() ? Array(entry, "changes") : nullptr;
    if (!changes) return Missing(where, "changes", "an array");
    for (size_t j = 0; j < changes->size(); ++j) {
      const std::string change_where = meta::Path(where, "changes", j);
      const json& change = (*changes)[j];
      if (!change.is_object())
        return absl::InvalidArgumentError(change_where + " is not an object");
      if (const std::string field = String(change, "field"); field != "messages") {
        // Only the messages field carries what customers send; the app hears the others only if
        // it subscribed to them, and a refusal would count against the whole webhook.
        batch.Drop(std::string(ListedKind(kAccountFields, field).value_or("other_field")),
                   absl::StrCat(change_where, " field '", field,
                                "' is not 'messages': account traffic, not a customer's"));
        continue;
      }
      const json* value = Object(change, "value");
      if (!value) return Missing(change_where, "value", "an object");
      if (auto s = ParseValue(*value, change_where + ".value", received_at, batch); !s.ok()) {
        return s;
      }
    }
  }
  return std::move(batch).Finish("entry has no changes: nothing to route", dropped);
}

}  // namespace omni::connectors::whatsapp
