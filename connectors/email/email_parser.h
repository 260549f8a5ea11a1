// The email connector's pure part: raw RFC 5322 bytes -> one omnibroker Event, or an
// INVALID_ARGUMENT naming what is wrong. No I/O; parsed with GMime 3 (charsets, encoded words,
// quoted-printable, base64 and broken MIME are GMime's job), tested on tests/corpus/email.
//
//   a customer's mail                           -> EVENT_KIND_MESSAGE
//   Auto-Submitted (not "no"), X-Autoreply,
//   Precedence auto_reply/bulk/junk              -> EVENT_KIND_SYSTEM (never opens a conversation)
//   multipart/report; report-type=delivery-status -> EVENT_KIND_DELIVERY_STATUS
// The event id is "email:<Message-ID>" (or "email:sha256:<hash of the bytes>" without one), and
// the thread key the root of References, else In-Reply-To, else the Message-ID: a reply lands in
// the conversation it answers. provider_metadata keeps message_id, in_reply_to, references and
// to (the lower-cased To mailboxes, comma-separated).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::email {

inline constexpr std::string_view kProvider = "smtp";

absl::StatusOr<omnibroker::v1::Event> ParseMail(std::string_view raw, TimePoint received_at);

}  // namespace omni::connectors::email
