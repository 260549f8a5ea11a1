#include "connectors/mastodon/mastodon_parser.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/json_fields.h"

namespace omni::connectors::mastodon {
namespace {

using nlohmann::json;
using omnibroker::v1::Event;

bool SetTime(const std::string& rfc3339, google::protobuf::Timestamp& out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &time, &error)) return false;
  const int64_t micros = absl::ToUnixMicros(time);
  out.set_seconds(micros / 1000000);
  out.set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
  return true;
}

std::string EventId(std::string_view host, std::string_view status_id) {
  return absl::StrCat(ToAbsl(kProvider), ":", ToAbsl(host), ":", ToAbsl(status_id));
}

// A local account's acct has no domain; qualified, a handle means the same person everywhere.
std::string Handle(const std::string& acct, std::string_view host) {
  return acct.find('@') == std::string::npos ? absl::StrCat(acct, "@", ToAbsl(host)) : acct;
}

// A media attachment's type from its file name, else from Mastodon's coarse kind.
std::string MediaType(const std::string& kind, const std::string& url) {
  const std::string lower = absl::AsciiStrToLower(url.substr(0, url.find('?')));
  static constexpr std::pair<std::string_view, std::string_view> kByExtension[] = {
      {".png", "image/png"},   {".jpg", "image/jpeg"},  {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},   {".webp", "image/webp"}, {".mp4", "video/mp4"},
      {".webm", "video/webm"}, {".mp3", "audio/mpeg"},  {".ogg", "audio/ogg"}};
  for (const auto& [extension, type] : kByExtension) {
    if (lower.ends_with(extension)) return std::string(type);
  }
  if (kind == "image") return "image/jpeg";
  if (kind == "video" || kind == "gifv") return "video/mp4";
  if (kind == "audio") return "audio/mpeg";
  return "application/octet-stream";
}

void AddMedia(const json& status, Event& event) {
  auto media = status.find("media_attachments");
  if (media == status.end() || !media->is_array()) return;
  for (const json& item : *media) {
    if (!item.is_object()) continue;
    std::string url = String(item, "url");
    if (url.empty()) url = String(item, "remote_url");
    if (url.empty()) continue;
    auto* attachment = event.mutable_content()->add_attachments();
    attachment->set_url(url);
    attachment->set_content_type(MediaType(String(item, "type"), url));
  }
}

// A Status -> a MESSAGE (or, with `edit`, an EDIT of it). `account` is the author (the
// notification's account, else the status's own).
absl::StatusOr<Event> ParseStatus(const json& status, const json* account, std::string_view where,
                                  std::string_view host, bool edit, TimePoint received_at) {
  const std::string id = String(status, "id");
  if (id.empty()) return MissingField(where, "id", "a string");
  if (!account) account = Object(status, "account");
  const std::string acct = account ? String(*account, "acct") : "";
  if (acct.empty()) return MissingField(where, "account.acct", "a string");
  const std::string visibility = String(status, "visibility");
  if (visibility.empty()) return MissingField(where, "visibility", "a string");
  Event event;
  event.set_channel(omnibroker::v1::CHANNEL_SOCIAL);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(received_at);
  const std::string handle = Handle(acct, host);
  auto* sender = event.mutable_sender();
  sender->set_provider(std::string(kProvider));
  sender->set_handle(handle);
  const std::string display = String(*account, "display_name");
  sender->set_display_name(display.empty() ? String(*account, "username") : display);
  event.set_thread_key(absl::StrCat(visibility, ":", handle));
  if (edit) {
    const std::string edited_at = String(status, "edited_at");
    if (!SetTime(edited_at, *event.mutable_occurred_at())) {
      return MissingField(where, "edited_at", "an RFC 3339 time");
    }
    event.set_kind(omnibroker::v1::EVENT_KIND_EDIT);
    event.set_id(absl::StrCat(EventId(host, id), ":edit:", edited_at));
    event.set_reply_to_event_id(EventId(host, id));
  } else {
    if (!SetTime(String(status, "created_at"), *event.mutable_occurred_at())) {
      return MissingField(where, "created_at", "an RFC 3339 time");
    }
    event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
    event.set_id(EventId(host, id));
    if (const std::string parent = String(status, "in_reply_to_id"); !parent.empty()) {
      event.set_reply_to_event_id(EventId(host, parent));
    }
  }
  const std::string html = String(status, "content");
  event.mutable_content()->set_html(html);
  event.mutable_content()->set_text(HtmlToText(html));
  event.mutable_content()->set_subject(String(status, "spoiler_text"));  // the content warning
  AddMedia(status, event);
  event.set_language(String(status, "language"));
  auto& metadata = *event.mutable_provider_metadata();
  metadata["status_id"] = id;
  metadata["visibility"] = visibility;
  if (const std::string url = String(status, "url"); !url.empty()) metadata["url"] = url;
  if (event.content().text().empty() && event.content().attachments().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(where), " has no text or media"));
  }
  return event;
}

// A Notification: a mention becomes an event; any other type is reported in `skipped`.
absl::Status ParseNotification(const json& notification, const std::string& where,
                               std::string_view host, TimePoint received_at,
                               NotificationPage& page) {
  if (!notification.is_object()) return MissingField(where, "", "an object");
  const std::string id = String(notification, "id");
  if (id.empty()) return MissingField(where, ".id", "a string");
  if (page.newest_id.empty() || NewerId(id, page.newest_id)) page.newest_id = id;
  const std::string type = String(notification, "type");
  if (type.empty()) return MissingField(where, ".type", "a string");
  if (type != "mention") {
    page.skipped.push_back(absl::StrCat(where, " is a '", type, "' notification, not a mention"));
    return absl::OkStatus();
  }
  const json* status = Object(notification, "status");
  if (!status) return MissingField(where, ".status", "an object");
  auto event = ParseStatus(*status, Object(notification, "account"),
                           absl::StrCat(where, ".status."), host, /*edit=*/false, received_at);
  if (!event.ok()) return event.status();
  (*event->mutable_provider_metadata())["notification_id"] = id;
  page.events.push_back(*std::move(event));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Event>> Events(NotificationPage page) {
  if (page.events.empty() && !page.skipped.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("nothing to route: ", absl::StrJoin(page.skipped, "; ")));
  }
  return std::move(page.events);
}

// A streaming-API event, by name, with its payload (a JSON string or, for delete, a status id).
absl::Status ParseStreamEvent(const std::string& name, const std::string& payload,
                              std::string_view host, TimePoint received_at,
                              NotificationPage& page) {
  const std::string where = absl::StrCat("stream event '", name, "'");
  if (name == "delete") {
    if (payload.empty()) return MissingField(where, " payload", "a status id");
    Event event;
    event.set_channel(omnibroker::v1::CHANNEL_SOCIAL);
    event.set_provider(std::string(kProvider));
    event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
    event.set_kind(omnibroker::v1::EVENT_KIND_DELETE);
    event.set_id(absl::StrCat(EventId(host, payload), ":delete"));
    event.set_reply_to_event_id(EventId(host, payload));
    // The stream names only the status: the instance that reports the deletion stands in for
    // the author, and the status for the thread.
    event.mutable_sender()->set_provider(std::string(kProvider));
    event.mutable_sender()->set_handle(std::string(host));
    event.set_thread_key(absl::StrCat("status:", payload));
    *event.mutable_received_at() = ToProto(received_at);
    *event.mutable_occurred_at() = event.received_at();
    page.events.push_back(std::move(event));
    return absl::OkStatus();
  }
  if (name != "notification" && name != "status.update") {
    if (name == "update") {
      return absl::InvalidArgumentError(
          "stream event 'update' is a timeline status, not a mention of the account (mentions "
          "arrive as 'notification')");
    }
    return absl::InvalidArgumentError(absl::StrCat(where, " is not a mention"));
  }
  const json parsed = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return MissingField(where, " payload", "a JSON object");
  }
  if (name == "notification") return ParseNotification(parsed, where, host, received_at, page);
  auto edit = ParseStatus(parsed, nullptr, absl::StrCat(where, " payload."), host, /*edit=*/true,
                          received_at);
  if (!edit.ok()) return edit.status();
  page.events.push_back(*std::move(edit));
  return absl::OkStatus();
}

// "event: <name>\ndata: <payload>\n\n"…; several data lines join with newlines.
absl::StatusOr<std::vector<Event>> ParseSse(std::string_view chunk, std::string_view host,
                                            TimePoint received_at) {
  NotificationPage page;
  std::string name, data;
  bool has_data = false;
  int dispatched = 0;
  auto dispatch = [&]() -> absl::Status {
    if (!has_data) return absl::OkStatus();
    ++dispatched;
    absl::Status s =
        ParseStreamEvent(name.empty() ? "message" : name, data, host, received_at, page);
    name.clear();
    data.clear();
    has_data = false;
    return s;
  };
  for (absl::string_view line : absl::StrSplit(ToAbsl(chunk), '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty()) {
      if (auto s = dispatch(); !s.ok()) return s;
    } else if (absl::ConsumePrefix(&line, "event:")) {
      name = std::string(absl::StripLeadingAsciiWhitespace(line));
    } else if (absl::ConsumePrefix(&line, "data:")) {
      absl::ConsumePrefix(&line, " ");
      data = has_data ? absl::StrCat(data, "\n", line) : std::string(line);
      has_data = true;
    }  // ":" comments (heartbeats) and other fields carry nothing
  }
  if (auto s = dispatch(); !s.ok()) return s;
  if (dispatched == 0) return absl::InvalidArgumentError("SSE chunk has no data line");
  return Events(std::move(page));
}

}  // namespace

std::string InstanceHost(std::string_view instance_url) {
  const size_t scheme = instance_url.find("://");
  const size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  return std::string(instance_url.substr(start, instance_url.find('/', start) - start));
}

bool NewerId(std::string_view a, std::string_view b) {
  const bool numeric = !a.empty() && !b.empty() &&
                       std::all_of(a.begin(), a.end(), absl::ascii_isdigit) &&
                       std::all_of(b.begin(), b.end(), absl::ascii_isdigit);
  if (numeric && a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

absl::StatusOr<NotificationPage> ParseNotificationPage(std::string_view body,
                                                       std::string_view instance_host,
                                                       TimePoint received_at) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!parsed.is_array())
    return absl::InvalidArgumentError("a notifications page must be an array");
  NotificationPage page;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (auto s = ParseNotification(parsed[i], absl::StrCat("[", i, "]"), instance_host, received_at,
                                   page);
        !s.ok()) {
      page.malformed.emplace_back(ToStd(s.message()));
    }
  }
  return page;
}

absl::StatusOr<std::vector<Event>> ParseBody(std::string_view body, std::string_view instance_host,
                                             TimePoint received_at) {
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(ToAbsl(body));
  if (absl::StartsWith(trimmed, "event:") || absl::StartsWith(trimmed, "data:") ||
      absl::StartsWith(trimmed, ":")) {
    return ParseSse(body, instance_host, received_at);
  }
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (parsed.is_array()) {
    auto page = ParseNotificationPage(body, instance_host, received_at);
    if (!page.ok()) return page.status();
    if (!page->malformed.empty()) return absl::InvalidArgumentError(page->malformed.front());
    return Events(*std::move(page));
  }
  if (!parsed.is_object()) return absl::InvalidArgumentError("body must be a JSON object or array");
  if (parsed.contains("stream") && parsed.contains("event")) {
    const std::string name = String(parsed, "event");
    if (name.empty()) return MissingField("", "event", "a string");
    NotificationPage page;
    if (auto s =
            ParseStreamEvent(name, String(parsed, "payload"), instance_host, received_at, page);
        !s.ok()) {
      return s;
    }
    return Events(std::move(page));
  }
  if (parsed.contains("event") && parsed.contains("object")) {
    return absl::InvalidArgumentError(
        absl::StrCat("an admin webhook ('", String(parsed, "event"), "'), not a customer message"));
  }
  if (parsed.contains("type") && parsed.contains("account")) {
    NotificationPage page;
    if (auto s = ParseNotification(parsed, "notification", instance_host, received_at, page);
        !s.ok()) {
      return s;
    }
    return Events(std::move(page));
  }
  return absl::InvalidArgumentError(
      "not a Mastodon notification, notifications page, streaming message or SSE chunk");
}

}  // namespace omni::connectors::mastodon
