// The SIP connector's pure parser: one SIP message's bytes → the request it carries (what the
// transaction layer needs) and, for an INVITE, the VOICE CALL event it becomes. No I/O, so it is
// tested on tests/corpus/sip and fuzzed. osip2 does the grammar; this file decides identity, and
// lets through display names osip2 would refuse (unquoted, not ASCII) so no call is lost over them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::sip {

inline constexpr size_t kMaxXHeaders = 32;

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
  // Custom headers a PBX or IVR in front adds (X-Queue: billing): lowercased name and trimmed
  // value, in order, a repeated one as often as it came; at most kMaxXHeaders.
  std::vector<std::pair<std::string, std::string>> x_headers;
  // What a response to this request copies (RFC 3261 8.2.6.2), as osip2 writes them back.
  std::vector<std::string> vias;  // every Via value, in order
  std::string from_header, to_header, call_id_header, cseq_header;
  bool to_has_tag = false;
};

// Parses one SIP request; INVALID_ARGUMENT naming what is wrong for a response, a malformed
// message, or a request without Call-ID, From (with tag, for an INVITE), To or CSeq.
absl::StatusOr<SipRequest> ParseSipRequest(std::string_view bytes);

// The VOICE CALL event an INVITE becomes: id Call-ID + From tag, thread_key the Call-ID, the
// caller as sender (an anonymous caller's handle is "anonymous", nothing of theirs leaks).
omnibroker::v1::Event CallEvent(const SipRequest& invite, TimePoint now);

// The CALL report of how the call ended (call.outcome "answered", "abandoned" or "overflowed",
// call.wait_ms, and for an answered call call.redirect_to): same thread as the call, id
// "<call event id>:<outcome>", a readable text ("Call from sip:+49…@pbx abandoned after 42 s").
omnibroker::v1::Event CallReport(const SipRequest& invite, std::string_view outcome,
                                 std::chrono::milliseconds waited, std::string_view redirect_to,
                                 TimePoint now);

}  // namespace omni::connectors::sip
