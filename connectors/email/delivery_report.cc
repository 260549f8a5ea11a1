#include "connectors/email/delivery_report.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace omni::connectors::email {
namespace {

std::string PartBytes(GMimeObject* part) {
  if (!GMIME_IS_PART(part)) return "";
  GMimeDataWrapper* wrapper = g_mime_part_get_content(GMIME_PART(part));
  if (wrapper == nullptr) return "";
  GMimeStream* memory = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(wrapper, memory);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory));
  std::string text(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(memory);
  return text;
}

// The per-message and first per-recipient fields of a message/delivery-status body.
void ReadStatusFields(const std::string& body, DeliveryReport& report) {
  std::string original_recipient, final_recipient;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    if (name == "original-recipient" || name == "final-recipient") {
      if (size_t semicolon = value.find(';'); semicolon != absl::string_view::npos) {
        value = absl::StripAsciiWhitespace(value.substr(semicolon + 1));
      }
      std::string& into = name == "original-recipient" ? original_recipient : final_recipient;
      if (into.empty()) into = absl::AsciiStrToLower(value);
    } else if (name == "action" && report.action.empty()) {
      report.action = absl::AsciiStrToLower(value);
    } else if (name == "status" && report.status.empty()) {
      report.status = std::string(value);
    }
  }
  report.recipient = original_recipient.empty() ? final_recipient : original_recipient;
}

std::string FirstId(const char* value) {
  if (value == nullptr) return "";
  GMimeReferences* refs = g_mime_references_parse(nullptr, value);
  if (refs == nullptr) return "";
  std::string id;
  if (g_mime_references_length(refs) > 0) id = g_mime_references_get_message_id(refs, 0);
  g_mime_references_free(refs);
  return id;
}

void ReadOriginal(GMimeMessage* original, DeliveryReport& report) {
  if (const char* id = g_mime_message_get_message_id(original)) report.original_message_id = id;
  std::string thread = FirstId(g_mime_object_get_header(GMIME_OBJECT(original), "References"));
  if (thread.empty()) {
    thread = FirstId(g_mime_object_get_header(GMIME_OBJECT(original), "In-Reply-To"));
  }
  report.original_thread = thread.empty() ? report.original_message_id : thread;
}

// text/rfc822-headers: the original's header block, parsed as a mail without a body.
void ReadReturnedHeaders(const std::string& headers, DeliveryReport& report) {
  const std::string mail = headers + "\n\n";
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(mail.data(), mail.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* original = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  if (original == nullptr) return;
  ReadOriginal(original, report);
  g_object_unref(original);
}

}  // namespace

DeliveryReport ReadDeliveryReport(GMimeObject* report_object) {
  DeliveryReport report;
  if (!GMIME_IS_MULTIPART(report_object)) return report;
  GMimeMultipart* multipart = GMIME_MULTIPART(report_object);
  const int count = g_mime_multipart_get_count(multipart);
  for (int i = 0; i < count; ++i) {
    GMimeObject* part = g_mime_multipart_get_part(multipart, i);
    GMimeContentType* type = g_mime_object_get_content_type(part);
    if (g_mime_content_type_is_type(type, "message", "delivery-status")) {
      ReadStatusFields(PartBytes(part), report);
    } else if (GMIME_IS_MESSAGE_PART(part) && report.original_thread.empty()) {
      if (GMimeMessage* original = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part))) {
        ReadOriginal(original, report);
      }
    } else if (g_mime_content_type_is_type(type, "text", "rfc822-headers") &&
               report.original_thread.empty()) {
      ReadReturnedHeaders(PartBytes(part), report);
    }
  }
  return report;
}

}  // namespace omni::connectors::email
