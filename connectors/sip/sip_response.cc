// Response text: copied headers in RFC 3261 order, then ours, then an empty body. No Server
// header: over UDP an answer must not be larger than the request, so it carries only what counts.
#include "connectors/sip/sip_response.h"

#include "absl/strings/str_cat.h"

namespace omni::connectors::sip {

std::string_view ReasonPhrase(int code) {
  switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 182: return "Queued";
    case 200: return "OK";
    case 302: return "Moved Temporarily";
    case 405: return "Method Not Allowed";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 487: return "Request Terminated";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 513: return "Message Too Large";
    default: return "Unknown";
  }
}

std::string Response(const SipRequest& request, int code, std::string_view to_tag,
                     const std::vector<std::string>& extra_headers) {
  std::string out = absl::StrCat("SIP/2.0 ", code, " ", std::string(ReasonPhrase(code)), "\r\n");
  for (const std::string& via : request.vias) absl::StrAppend(&out, "Via: ", via, "\r\n");
  absl::StrAppend(&out, "From: ", request.from_header, "\r\n", "To: ", request.to_header);
  if (!request.to_has_tag && code != 100 && !to_tag.empty()) absl::StrAppend(&out, ";tag=", std::string(to_tag));
  absl::StrAppend(&out, "\r\nCall-ID: ", request.call_id_header, "\r\nCSeq: ", request.cseq_header, "\r\n");
  for (const std::string& line : extra_headers) absl::StrAppend(&out, line, "\r\n");
  absl::StrAppend(&out, "Content-Length: 0\r\n\r\n");
  return out;
}

}  // namespace omni::connectors::sip
