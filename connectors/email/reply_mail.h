// An agent's reply as an RFC 5322 mail built with GMime: From the mailbox the customer wrote to,
// To the customer, "Re: <subject>", In-Reply-To their last Message-ID, References the chain, a
// Message-ID derived from event.id (so a resend is the same mail) and one UTF-8 text/plain part in
// quoted-printable.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "connectors/email/thread_store.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::email {

struct ReplyMail {
  std::string from;        // envelope and header sender
  std::string to;          // the customer
  std::string message_id;  // without <>
  std::string raw;         // the whole mail, LF line ends
};

// `hostname` is the Message-ID's right-hand side. INVALID_ARGUMENT names a missing field.
absl::StatusOr<ReplyMail> BuildReply(const omnibroker::v1::Event& event, const MailThread& thread,
                                     const std::string& hostname);

}  // namespace omni::connectors::email
