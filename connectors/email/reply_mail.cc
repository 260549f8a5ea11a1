#include "connectors/email/reply_mail.h"

#include <gmime/gmime.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "connectors/email/gmime_init.h"

namespace omni::connectors::email {
namespace {

std::string MessageIdFor(const std::string& event_id, const std::string& hostname) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(event_id.data()), event_id.size(), digest);
  return absl::StrCat(
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16)), "@",
      hostname);
}

}  // namespace

absl::StatusOr<ReplyMail> BuildReply(const omnibroker::v1::Event& event, const MailThread& thread,
                                     const std::string& hostname) {
  ReplyMail reply;
  reply.to = event.recipient().email().empty() ? event.recipient().handle()
                                               : event.recipient().email();
  if (reply.to.find('@') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("email delivery of '", event.id(),
                                                   "': recipient.email '", reply.to,
                                                   "' is not a mailbox"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("email delivery of '", event.id(), "': content.text is empty"));
  }
  reply.from = thread.mailbox;
  reply.message_id = MessageIdFor(event.id(), hostname);
  InitGMimeOnce();
  GMimeMessage* message = g_mime_message_new(TRUE);
  g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_FROM, nullptr, reply.from.c_str());
  g_mime_message_add_mailbox(message, GMIME_ADDRESS_TYPE_TO,
                             event.recipient().display_name().c_str(), reply.to.c_str());
  const std::string subject = absl::StartsWithIgnoreCase(thread.subject, "re:")
                                  ? thread.subject
                                  : absl::StrCat("Re: ", thread.subject);
  g_mime_message_set_subject(message, subject.c_str(), "utf-8");
  g_mime_message_set_message_id(message, reply.message_id.c_str());
  GDateTime* date = g_date_time_new_from_unix_utc(event.occurred_at().seconds());
  g_mime_message_set_date(message, date);
  g_date_time_unref(date);
  if (!thread.message_id.empty()) {
    const std::string parent = absl::StrCat("<", thread.message_id, ">");
    const std::string references =
        thread.references.empty() ? parent : absl::StrCat(thread.references, " ", parent);
    g_mime_object_set_header(GMIME_OBJECT(message), "In-Reply-To", parent.c_str(), nullptr);
    g_mime_object_set_header(GMIME_OBJECT(message), "References", references.c_str(), nullptr);
  }
  GMimeTextPart* text = g_mime_text_part_new_with_subtype("plain");
  g_mime_text_part_set_text(text, event.content().text().c_str());
  g_mime_text_part_set_charset(text, "utf-8");
  g_mime_part_set_content_encoding(GMIME_PART(text), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part(message, GMIME_OBJECT(text));
  g_object_unref(text);
  char* raw = g_mime_object_to_string(GMIME_OBJECT(message), nullptr);
  reply.raw = raw;
  g_free(raw);
  g_object_unref(message);
  return reply;
}

}  // namespace omni::connectors::email
