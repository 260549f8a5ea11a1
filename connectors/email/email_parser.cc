#include "connectors/email/email_parser.h"

#include <gmime/gmime.h>
#include <openssl/sha.h>

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "connectors/email/delivery_report.h"
#include "connectors/email/gmime_init.h"
#include "connectors/email/html_text.h"
#include "connectors/sdk/file_name.h"
#include "base/time_util.h"

namespace omni::connectors::email {
namespace {

using omnibroker::v1::Event;

std::string Header(GMimeMessage* message, const char* name) {
  const char* value = g_mime_object_get_header(GMIME_OBJECT(message), name);
  return value ? std::string(absl::StripAsciiWhitespace(value)) : "";
}

// The first message id of a References / In-Reply-To value ("" when it holds none).
std::string FirstMessageId(const std::string& value) {
  if (value.empty()) return "";
  GMimeReferences* refs = g_mime_references_parse(nullptr, value.c_str());
  if (refs == nullptr) return "";
  std::string id;
  if (g_mime_references_length(refs) > 0) id = g_mime_references_get_message_id(refs, 0);
  g_mime_references_free(refs);
  return id;
}

bool IsAutoReply(GMimeMessage* message) {
  const std::string auto_submitted = absl::AsciiStrToLower(Header(message, "Auto-Submitted"));
  if (!auto_submitted.empty() && auto_submitted != "no") return true;
  if (!Header(message, "X-Autoreply").empty()) return true;
  const std::string precedence = absl::AsciiStrToLower(Header(message, "Precedence"));
  return precedence == "auto_reply" || precedence == "bulk" || precedence == "junk";
}

bool IsDeliveryReport(GMimeObject* body) {
  if (body == nullptr) return false;
  GMimeContentType* type = g_mime_object_get_content_type(body);
  const char* report_type = g_mime_content_type_get_parameter(type, "report-type");
  return g_mime_content_type_is_type(type, "multipart", "report") && report_type != nullptr &&
         absl::EqualsIgnoreCase(report_type, "delivery-status");
}

struct BodyParts {
  Event* event;
  std::string message_id;
  int index = 0;
};

// The name a part was given: for a GMimePart GMime's own reading (Content-Disposition's
// filename, else Content-Type's name), which a forwarded message (message/rfc822) is not.
const char* PartName(GMimeObject* part) {
  if (GMIME_IS_PART(part)) return g_mime_part_get_filename(GMIME_PART(part));
  const char* name = g_mime_object_get_content_disposition_parameter(part, "filename");
  return name ? name : g_mime_object_get_content_type_parameter(part, "name");
}

// The decoded size of a part's content: a file's bytes, a forwarded message as written out.
gint64 PartSize(GMimeObject* part) {
  GMimeStream* counter = g_mime_stream_null_new();
  gint64 size = 0;
  if (GMIME_IS_PART(part)) {
    if (GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(part))) {
      size = g_mime_data_wrapper_write_to_stream(wrapper, counter);
    }
  } else if (GMIME_IS_MESSAGE_PART(part)) {
    if (GMimeMessage* message = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part))) {
      size = g_mime_object_write_to_stream(GMIME_OBJECT(message), nullptr, counter);
    }
  }
  g_object_unref(counter);
  return size;
}

// Visits every MIME part: the first text/plain is the text, the first text/html the html, and
// every other part (a file, an inline image, a forwarded message, a later text part) becomes a
// reference "email:<message-id>/<part index>" with type, name and size: none is dropped.
void VisitPart(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  auto& parts = *static_cast<BodyParts*>(data);
  ++parts.index;
  if (GMIME_IS_MULTIPART(part)) return;  // its parts are visited one by one
  auto* content = parts.event->mutable_content();
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (GMIME_IS_TEXT_PART(part) && !g_mime_part_is_attachment(GMIME_PART(part))) {
    const bool plain = g_mime_content_type_is_type(type, "text", "plain");
    const bool html = g_mime_content_type_is_type(type, "text", "html");
    if ((plain && content->text().empty()) || (html && content->html().empty())) {
      char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
      if (text != nullptr) {
        plain ? content->set_text(text) : content->set_html(text);
        g_free(text);
      }
      return;
    }
  }
  auto* attachment = content->add_attachments();
  attachment->set_url(absl::StrCat("email:", parts.message_id, "/", parts.index));
  char* mime = g_mime_content_type_get_mime_type(type);
  attachment->set_content_type(mime);
  g_free(mime);
  // GMime decodes the name (RFC 2231 filename*=, RFC 2047 encoded words) into UTF-8 from its
  // charset; the sender chose it, so it is made safe before anyone sees or saves it.
  if (const char* name = PartName(part)) {
    attachment->set_filename(SafeFileName(name, kUnnamedAttachment));
  }
  if (const gint64 size = PartSize(part); size > 0) attachment->set_size_bytes(size);
}

// "a@x.org,b@y.org": the mailboxes a mail was written to, which pick its route.
std::string LowerMailboxes(InternetAddressList* list) {
  std::vector<std::string> mailboxes;
  const int count = list ? internet_address_list_length(list) : 0;
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (!INTERNET_ADDRESS_IS_MAILBOX(address)) continue;
    if (const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))) {
      mailboxes.push_back(absl::AsciiStrToLower(addr));
    }
  }
  return absl::StrJoin(mailboxes, ",");
}

std::string HashId(std::string_view raw) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(raw.data()), raw.size(), digest);
  return absl::StrCat("sha256:", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), sizeof(digest))));
}

absl::StatusOr<Event> ToEvent(GMimeMessage* message, std::string_view raw, TimePoint received_at) {
  InternetAddressList* from = g_mime_message_get_from(message);
  InternetAddress* address = nullptr;
  if (from != nullptr && internet_address_list_length(from) > 0) {
    address = internet_address_list_get_address(from, 0);
  }
  const char* addr = address && INTERNET_ADDRESS_IS_MAILBOX(address)
                         ? internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))
                         : nullptr;
  if (addr == nullptr || std::string_view(addr).find('@') == std::string_view::npos) {
    return absl::InvalidArgumentError("mail: the From header has no address");
  }
  Event event;
  event.set_channel(omnibroker::v1::CHANNEL_EMAIL);
  event.set_provider(std::string(kProvider));
  event.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  *event.mutable_received_at() = ToProto(received_at);
  auto* sender = event.mutable_sender();
  sender->set_provider(std::string(kProvider));
  sender->set_handle(absl::AsciiStrToLower(addr));
  sender->set_email(sender->handle());
  if (const char* name = internet_address_get_name(address)) sender->set_display_name(name);

  const char* id = g_mime_message_get_message_id(message);
  const std::string message_id = id ? id : "";
  event.set_id(absl::StrCat("email:", message_id.empty() ? HashId(raw) : message_id));
  const std::string references = Header(message, "References");
  const std::string in_reply_to = Header(message, "In-Reply-To");
  std::string thread = FirstMessageId(references);
  if (thread.empty()) thread = FirstMessageId(in_reply_to);
  if (thread.empty()) thread = message_id.empty() ? event.id().substr(6) : message_id;
  event.set_thread_key(thread);

  GMimeObject* body = g_mime_message_get_mime_part(message);
  auto& metadata = *event.mutable_provider_metadata();
  if (IsDeliveryReport(body)) {
    event.set_kind(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
    const DeliveryReport report = ReadDeliveryReport(body);
    if (!report.original_thread.empty()) event.set_thread_key(report.original_thread);
    if (!report.recipient.empty()) metadata["dsn_recipient"] = report.recipient;
    if (!report.action.empty()) metadata["dsn_action"] = report.action;
    if (!report.status.empty()) metadata["dsn_status"] = report.status;
    if (!report.original_message_id.empty()) {
      metadata["original_message_id"] = report.original_message_id;
    }
  } else if (IsAutoReply(message)) {
    event.set_kind(omnibroker::v1::EVENT_KIND_SYSTEM);
  } else {
    event.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  }
  if (const char* subject = g_mime_message_get_subject(message)) {
    event.mutable_content()->set_subject(subject);
  }
  // A mail without a (readable) Date happened when it arrived: the broker requires occurred_at.
  if (GDateTime* date = g_mime_message_get_date(message)) {
    event.mutable_occurred_at()->set_seconds(g_date_time_to_unix(date));
  } else {
    *event.mutable_occurred_at() = event.received_at();
  }
  if (!message_id.empty()) metadata["message_id"] = message_id;
  if (!in_reply_to.empty()) metadata["in_reply_to"] = in_reply_to;
  if (!references.empty()) metadata["references"] = references;
  if (std::string to = LowerMailboxes(g_mime_message_get_to(message)); !to.empty()) {
    metadata["to"] = to;
  }
  BodyParts parts{&event, message_id.empty() ? event.id().substr(6) : message_id};
  g_mime_message_foreach(message, VisitPart, &parts);
  // HTML-only mail (or an empty text part beside the HTML): the agent reads a rendering of it.
  auto& content = *event.mutable_content();
  if (absl::StripAsciiWhitespace(content.text()).empty() && !content.html().empty()) {
    content.set_text(HtmlToText(content.html()));
  }
  return event;
}

}  // namespace

absl::StatusOr<Event> ParseMail(std::string_view raw, TimePoint received_at) {
  InitGMimeOnce();
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  if (message == nullptr) return absl::InvalidArgumentError("mail: not an RFC 5322 message");
  auto event = ToEvent(message, raw, received_at);
  g_object_unref(message);
  return event;
}

}  // namespace omni::connectors::email
