// The SIP connector's pure parser: one SIP message's bytes → the request it carries (what the
// transaction layer needs) and, for an INVITE, the VOICE CALL event it becomes. No I/O, so it is
// tested on ../shared/corpus/sip and fuzzed. osip2 does the grammar; this file decides identity.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::sip {

struct SipRequest {
  std::string method;       // "INVITE", "ACK", "CANCEL", "BYE", "OPTIONS"…
  std::string call_id;
  std::string from_tag;
  std::string cseq_method;  // the CSeq header's method
  std::string caller;       // "sip:user@host" of P-Asserted-Identity, else From
  std::string caller_name;  // its display name
  bool anonymous = false;   // Privacy: id / header (or an anonymous From)
  std::string dialed;       // the Request-URI user, else the To user
  std::string diverted_from;  // the first Diversion header's URI
};

// Parses one SIP request; INVALID_ARGUMENT naming what is wrong for a response, a malformed
// message, or a request without Call-ID, From (with tag, for an INVITE), To or CSeq.
absl::StatusOr<SipRequest> ParseSipRequest(std::string_view bytes);

// The VOICE CALL event an INVITE becomes: id Call-ID + From tag, thread_key the Call-ID, the
// caller as sender (an anonymous caller's handle is "anonymous", nothing of theirs leaks).
omnibroker::v1::Event CallEvent(const SipRequest& invite, TimePoint now);

}  // namespace omni::connectors::sip
