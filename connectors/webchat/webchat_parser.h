// The web chat connector's pure part: a visitor's message body (JSON) -> omnibroker Event, and a
// registration body -> the visitor's profile, or a clear error naming the field. No I/O; tested
// on tests/corpus/webchat.
//
// Body: {"text": "...", "attachments": [{"type": "image/jpeg", "url": "https://..."}],
//        "client_message_id": "m-1", "language": "en",
//        "user": {"full_name": "...", ...}}   (user is optional display information)
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::webchat {

inline constexpr std::string_view kProvider = "webchat";
inline constexpr size_t kMaxTextBytes = 32 * 1024;
inline constexpr size_t kMaxAttachments = 10;

// Who is writing: established by the visitor token, never taken from the body.
struct Visitor {
  std::string id;
  std::string display_name;
  std::string language;
  // Typed into the widget, so never verified: the broker links no identities on it.
  std::string email;
};

// A registration body (POST /v1/visitors): {"name", "email", "language"}, each optional; an empty
// body is an empty profile. The profile (without an id), or an error naming the field. The sizes
// are bounded because every profile is kept for weeks.
inline constexpr size_t kMaxNameBytes = 200;
inline constexpr size_t kMaxEmailBytes = 254;  // the longest address SMTP carries
absl::StatusOr<Visitor> ParseRegistration(std::string_view body);

absl::StatusOr<omnibroker::v1::Event> ParseVisitorMessage(std::string_view body,
                                                          const Visitor& visitor, TimePoint now);

}  // namespace omni::connectors::webchat
