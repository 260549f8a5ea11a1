// Checks an inbound event before the broker stores it. Every rejection names the field and what
// is wrong with it, because it goes back to the connector developer in the ack: INVALID_ARGUMENT
// for a malformed event, RESOURCE_EXHAUSTED for one above a limit (counted apart, as over_limit).
#pragma once

#include "absl/status/status.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::ingest {

struct Limits {
  size_t max_id_bytes = 512;
  size_t max_text_bytes = 256 * 1024;
  size_t max_html_bytes = 1024 * 1024;
  size_t max_attachments = 50;
  // The size an attachment declares (Attachment.size_bytes; the bytes stay with the provider).
  int64_t max_attachment_bytes = 25 << 20;
  size_t max_event_bytes = 2 * 1024 * 1024;
};

absl::Status ValidateInbound(const omnibroker::v1::Event& event, const Limits& limits = {});

}  // namespace omni::ingest
