#include "broker/ingest/validate.h"

#include "absl/strings/str_cat.h"
#include "base/language_tag.h"
#include "base/strings.h"
#include "broker/routing/validation.h"

namespace omni::ingest {
namespace {

absl::Status Invalid(std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(problem)));
}

// Above a limit: not malformed, so counted apart.
absl::Status TooLarge(std::string_view field, std::string_view problem) {
  return absl::ResourceExhaustedError(absl::StrCat(ToAbsl(field), ": ", ToAbsl(problem)));
}

absl::Status RequireId(std::string_view field, std::string_view value, const Limits& limits) {
  if (value.empty()) return Invalid(field, "is required");
  if (value.size() > limits.max_id_bytes) {
    return Invalid(field, absl::StrCat(value.size(), " bytes, at most ", limits.max_id_bytes));
  }
  if (value.find('\0') != std::string_view::npos) return Invalid(field, "contains a NUL byte");
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateInbound(const omnibroker::v1::Event& event, const Limits& limits) {
  if (event.ByteSizeLong() > limits.max_event_bytes) {
    return TooLarge("event",
                    absl::StrCat(event.ByteSizeLong(), " bytes, at most ", limits.max_event_bytes));
  }
  if (auto s = RequireId("id", event.id(), limits); !s.ok()) return s;
  if (auto s = RequireId("tenant", event.tenant(), limits); !s.ok()) return s;
  if (auto s = RequireId("provider", event.provider(), limits); !s.ok()) return s;
  if (auto s = RequireId("sender.provider", event.sender().provider(), limits); !s.ok()) return s;
  if (auto s = RequireId("sender.handle", event.sender().handle(), limits); !s.ok()) return s;
  if (auto s = RequireId("thread_key", event.thread_key(), limits); !s.ok()) return s;
  if (event.channel() == omnibroker::v1::CHANNEL_UNSPECIFIED ||
      !omnibroker::v1::Channel_IsValid(event.channel())) {
    return Invalid("channel", "must be set to a known channel");
  }
  if (event.direction() != omnibroker::v1::DIRECTION_INBOUND) {
    return Invalid("direction", "connectors publish inbound events only");
  }
  if (event.kind() == omnibroker::v1::EVENT_KIND_UNSPECIFIED) return Invalid("kind", "is required");
  if (!event.has_occurred_at()) return Invalid("occurred_at", "is required");
  if (event.content().text().size() > limits.max_text_bytes) {
    return TooLarge("content.text", absl::StrCat(event.content().text().size(), " bytes, at most ",
                                                 limits.max_text_bytes));
  }
  if (event.content().html().size() > limits.max_html_bytes) {
    return TooLarge("content.html", absl::StrCat(event.content().html().size(), " bytes, at most ",
                                                 limits.max_html_bytes));
  }
  if (static_cast<size_t>(event.content().attachments_size()) > limits.max_attachments) {
    return TooLarge("content.attachments",
                    absl::StrCat(event.content().attachments_size(), " given, at most ",
                                 limits.max_attachments));
  }
  for (int i = 0; i < event.content().attachments_size(); ++i) {
    const int64_t size = event.content().attachments(i).size_bytes();
    if (size < 0) {
      return Invalid(absl::StrCat("content.attachments[", i, "].size_bytes"), "is negative");
    }
    if (size > limits.max_attachment_bytes) {
      return TooLarge(absl::StrCat("content.attachments[", i, "].size_bytes"),
                      absl::StrCat(size, " bytes, at most ", limits.max_attachment_bytes));
    }
  }
  // Routing takes these as they are: a language no agent can list, or a skill nobody can have,
  // would keep the conversation waiting for good.
  if (auto s = ValidateLanguageTag("language", event.language()); !s.ok()) return s;
  if (auto s = routing::ValidateSkills(event.routing().skills(), "routing.skills"); !s.ok()) return s;
  if (!event.conversation_id().empty() || event.sequence() != 0 || !event.customer_id().empty()) {
    return Invalid("conversation_id/sequence/customer_id", "are set by the broker; leave them empty");
  }
  return absl::OkStatus();
}

}  // namespace omni::ingest
