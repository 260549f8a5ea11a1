#include "connectors/webchat/webchat_parser.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/language_tag.h"
#include "base/strings.h"
#include "base/time_util.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;

// The optional string field `key` of `object`; an error when present with another type.
absl::StatusOr<std::string> OptionalString(const json& object, const char* key,
                                           std::string_view where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::string();
  if (!it->is_string()) return absl::InvalidArgumentError(absl::StrCat(ToAbsl(where), key, " must be a string"));
  return it->get<std::string>();
}

bool IsClientMessageId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

absl::Status ParseAttachments(const json& body, omnibroker::v1::Content& content) {
  auto it = body.find("attachments");
  if (it == body.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) return absl::InvalidArgumentError("attachments must be an array");
  if (it->size() > kMaxAttachments) {
    return absl::InvalidArgumentError(
        absl::StrCat("attachments: ", it->size(), " given, at most ", kMaxAttachments));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& a = (*it)[i];
    const std::string where = absl::StrCat("attachments[", i, "].");
    if (!a.is_object()) return absl::InvalidArgumentError(absl::StrCat("attachments[", i, "] must be an object"));
    auto url = OptionalString(a, "url", where);
    if (!url.ok()) return url.status();
    if (!absl::StartsWith(*url, "https://") && !absl::StartsWith(*url, "http://")) {
      return absl::InvalidArgumentError(absl::StrCat(where, "url must be an http(s) URL"));
    }
    auto type = OptionalString(a, "type", where);
    if (!type.ok()) return type.status();
    auto* attachment = content.add_attachments();
    attachment->set_url(*url);
    attachment->set_content_type(*type);
  }
  return absl::OkStatus();
}

// A string field of at most `max_bytes`.
absl::StatusOr<std::string> BoundedString(const json& object, const char* key, size_t max_bytes) {
  auto value = OptionalString(object, key, "");
  if (value.ok() && value->size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": ", value->size(), " bytes, at most ", max_bytes));
  }
  return value;
}

}  // namespace

absl::StatusOr<Visitor> ParseRegistration(std::string_view body) {
  Visitor visitor;
  if (body.empty()) return visitor;
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!parsed.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  auto name = BoundedString(parsed, "name", kMaxNameBytes);
  if (!name.ok()) return name.status();
  auto email = BoundedString(parsed, "email", kMaxEmailBytes);
  if (!email.ok()) return email.status();
  auto language = OptionalString(parsed, "language", "");
  if (!language.ok()) return language.status();
  if (auto valid = ValidateLanguageTag("language", *language); !valid.ok()) return valid;
  visitor.display_name = *std::move(name);
  visitor.email = *std::move(email);
  visitor.language = absl::AsciiStrToLower(*language);
  return visitor;
}

absl::StatusOr<omnibroker::v1::Event> ParseVisitorMessage(std::string_view body,
                                                          const Visitor& visitor, TimePoint now) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!parsed.is_object()) return absl::InvalidArgumentError("body must be a JSON object");

  omnibroker::v1::Event event;
  auto text = OptionalString(parsed, "text", "");
  if (!text.ok()) return text.status();
  if (text->size() > kMaxTextBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("text: ", text->size(), " bytes, at most ", kMaxTextBytes));
  }
  event.mutable_content()->set_text(*text);
  if (auto s = ParseAttachments(parsed, *event.mutable_content()); !s.ok()) return s;
  if (absl::StripAsciiWhitespace(*text).empty() && event.content().attachments().empty()) {
    return absl::InvalidArgumentError("message has neither text nor attachments");
  }

  auto client_id = OptionalString(parsed, "client_message_id", "");
  if (!client_id.ok()) return client_id.status();
  if (!client_id->empty() && !IsClientMessageId(*client_id)) {
    return absl::InvalidArgumentError("client_message_id must be 1-64 of [A-Za-z0-9_-]");
  }
  // A client resend with the same client_message_id is the same event, so it is stored once.
  event.set_id(absl::StrCat(ToAbsl(kProvider), ":", visitor.id, ":",
                            client_id->empty() ? NewId("") : *client_id));

  auto language = OptionalString(parsed, "language", "");
  if (!language.ok()) return language.status();
  if (auto valid = ValidateLanguageTag("language", *language); !valid.ok()) return valid;
  event.set_language(language->empty() ? visitor.language : absl::AsciiStrToLower(*language));

  std::string display_name = visitor.display_name;
  if (auto user = parsed.find("user"); user != parsed.end() && user->is_object()) {
    auto full_name = OptionalString(*user, "full_name", "user.");
    if (!full_name.ok()) return full_name.status();
    if (display_name.empty()) display_name = *full_name;
  }

  event.set_channel(omnibroker::v1::CHANNEL_CHAT);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  event.mutable_sender()->set_provider(std::string(kProvider));
  event.mutable_sender()->set_handle(visitor.id);
  event.mutable_sender()->set_display_name(display_name);
  event.mutable_sender()->set_email(absl::AsciiStrToLower(visitor.email));
  event.mutable_sender()->set_verified(false);
  event.set_thread_key(visitor.id);
  *event.mutable_occurred_at() = ToProto(now);
  *event.mutable_received_at() = ToProto(now);
  return event;
}

}  // namespace omni::connectors::webchat
