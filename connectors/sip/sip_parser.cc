// SIP request parsing on osip2 (a grammar library with no transport or threads of its own, so the
// connector keeps one thread model and the fuzzer reaches the whole parser).
#include "connectors/sip/sip_parser.h"

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

#include <algorithm>
#include <cstdarg>
#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/time_util.h"

namespace omni::connectors::sip {
namespace {

struct MessageFree {
  void operator()(osip_message_t* m) const { osip_message_free(m); }
};

std::string Text(const char* s) { return s == nullptr ? "" : s; }

std::string_view Stripped(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool IsTokenOrSpace(unsigned char c) {
  return absl::ascii_isalnum(c) ||
         std::string_view("-.!%*_+`'~ \t").find(c) != std::string_view::npos;
}

// Whether an unquoted display name is RFC 3261 tokens but for bytes outside ASCII (José, Müller
// in UTF-8 or Latin-1, stray bytes), which osip2 refuses. ASCII that is no token (a comma, a
// quote, a control byte) stays refused, as RFC 4475 wants ("baddn").
bool TokensButForNonAscii(std::string_view name) {
  bool non_ascii = false;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      non_ascii = true;
    } else if (!IsTokenOrSpace(byte)) {
      return false;
    }
  }
  return non_ascii;
}

// One header line with such a From or To display name quoted, which osip2 reads; any other line
// as it is.
std::string WithQuotedDisplayName(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::string(line);
  const std::string name = absl::AsciiStrToLower(std::string(Stripped(line.substr(0, colon))));
  if (name != "from" && name != "f" && name != "to" && name != "t") return std::string(line);
  const std::string_view value = line.substr(colon + 1);
  const size_t open = value.find('<');
  if (open == std::string_view::npos) return std::string(line);
  const std::string_view display = Stripped(value.substr(0, open));
  if (!TokensButForNonAscii(display)) return std::string(line);
  return std::string(line.substr(0, colon + 1)) + " \"" + std::string(display) + "\" " +
         std::string(value.substr(open));
}

// The message with every unquoted From/To display name osip2 would refuse quoted (the headers
// only; the body stays byte for byte). Callers' names come from phone books in any encoding, and
// a call must not be lost over the bytes of a name: they are made valid UTF-8 where the SDK
// publishes the event.
std::string WithQuotedDisplayNames(std::string_view message) {
  const size_t blank_line = message.find("\r\n\r\n");
  const size_t head_end = blank_line == std::string_view::npos ? message.size() : blank_line;
  std::string out;
  out.reserve(message.size() + 8);
  for (size_t at = 0; at < head_end;) {
    const size_t end = std::min(message.find("\r\n", at), head_end);
    out += WithQuotedDisplayName(message.substr(at, end - at));
    out += "\r\n";
    at = end + 2;
  }
  if (blank_line != std::string_view::npos) out.append(message.substr(blank_line + 2));
  return out;
}

// "sip:user@host" of a URI (no parameters), "" when it has no host.
std::string UriText(const osip_uri_t* uri) {
  if (uri == nullptr || uri->host == nullptr) return "";
  const std::string scheme = uri->scheme == nullptr ? "sip" : absl::AsciiStrToLower(uri->scheme);
  return uri->username == nullptr ? absl::StrCat(scheme, ":", uri->host)
                                  : absl::StrCat(scheme, ":", uri->username, "@", uri->host);
}

std::string HeaderValue(osip_message_t* message, const char* name) {
  osip_header_t* header = nullptr;
  if (osip_message_header_get_byname(message, name, 0, &header) < 0 || header == nullptr) return "";
  return Text(header->hvalue);
}

// The URI inside a name-addr header value ("Alice" <sip:a@b>;reason=x).
std::string NameAddrUri(const std::string& value) {
  const size_t open = value.find('<');
  const size_t close = value.find('>', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return value.substr(open + 1, close - open - 1);
}

// osip2's text of a parsed header (it allocates; we copy and free), "" when it cannot write it.
template <typename T>
std::string Written(T* header, int (*to_str)(const T*, char**)) {
  char* text = nullptr;
  if (header == nullptr || to_str(header, &text) != 0 || text == nullptr) return "";
  std::string copy(text);
  osip_free(text);
  return copy;
}

absl::Status CopyResponseHeaders(osip_message_t* raw, SipRequest& request) {
  osip_via_t* via = nullptr;
  for (int i = 0; osip_message_get_via(raw, i, &via) >= 0 && via != nullptr; ++i) {
    request.vias.push_back(Written(via, osip_via_to_str));
    via = nullptr;
  }
  if (request.vias.empty()) return absl::InvalidArgumentError("sip.via: missing");
  request.from_header = Written(osip_message_get_from(raw), osip_from_to_str);
  request.to_header = Written(osip_message_get_to(raw), osip_to_to_str);
  request.call_id_header = Written(osip_message_get_call_id(raw), osip_call_id_to_str);
  request.cseq_header = Written(osip_message_get_cseq(raw), osip_cseq_to_str);
  osip_generic_param_t* tag = nullptr;
  char tag_name[] = "tag";
  request.to_has_tag = osip_generic_param_get_byname(&osip_message_get_to(raw)->gen_params, tag_name, &tag) == 0;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SipRequest> ParseSipRequest(std::string_view bytes) {
  static std::once_flag init;
  std::call_once(init, [] {
    parser_init();
    // osip2 prints its errors to stdout, a line or three per malformed message (even with every
    // trace level disabled): anyone could flood the console. What was wrong is in the status we
    // return, which the connector logs throttled; osip2's traces go nowhere.
    osip_trace_initialize_func(TRACE_LEVEL0,
                               [](const char*, int, osip_trace_level_t, const char*, va_list) {});
  });
  if (bytes.empty()) return absl::InvalidArgumentError("sip: empty message");
  osip_message_t* raw = nullptr;
  if (osip_message_init(&raw) != 0) return absl::ResourceExhaustedError("sip: cannot allocate a message");
  std::unique_ptr<osip_message_t, MessageFree> message(raw);
  const std::string message_text = WithQuotedDisplayNames(bytes);
  if (osip_message_parse(raw, message_text.data(), message_text.size()) != 0) {
    return absl::InvalidArgumentError("sip: not a well-formed SIP message (start line or headers)");
  }
  if (!MSG_IS_REQUEST(raw) || raw->sip_method == nullptr) {
    return absl::InvalidArgumentError("sip: a response, not a request");
  }
  SipRequest request;
  request.method = raw->sip_method;
  if (raw->req_uri == nullptr || raw->req_uri->host == nullptr) {
    return absl::InvalidArgumentError("sip.request_uri: missing or without host");
  }
  osip_call_id_t* call_id = osip_message_get_call_id(raw);
  if (call_id == nullptr || call_id->number == nullptr) return absl::InvalidArgumentError("sip.call_id: missing");
  request.call_id = call_id->host == nullptr ? Text(call_id->number)
                                             : absl::StrCat(call_id->number, "@", call_id->host);
  osip_cseq_t* cseq = osip_message_get_cseq(raw);
  if (cseq == nullptr || cseq->method == nullptr || cseq->number == nullptr) {
    return absl::InvalidArgumentError("sip.cseq: missing");
  }
  request.cseq_method = cseq->method;
  if (request.cseq_method != request.method && request.method != "ACK" && request.method != "CANCEL") {
    return absl::InvalidArgumentError(absl::StrCat("sip.cseq: method ", request.cseq_method, " differs from ", request.method));
  }
  osip_content_length_t* length = osip_message_get_content_length(raw);
  if (length != nullptr && (length->value == nullptr || length->value[0] == '-')) {
    return absl::InvalidArgumentError("sip.content_length: negative or empty");
  }
  osip_from_t* from = osip_message_get_from(raw);
  osip_to_t* to = osip_message_get_to(raw);
  if (from == nullptr || UriText(from->url).empty()) return absl::InvalidArgumentError("sip.from: missing or without a URI");
  if (to == nullptr || UriText(to->url).empty()) return absl::InvalidArgumentError("sip.to: missing or without a URI");
  osip_generic_param_t* tag = nullptr;
  char tag_name[] = "tag";  // osip2 takes the parameter name as char*
  if (osip_generic_param_get_byname(&from->gen_params, tag_name, &tag) == 0 && tag != nullptr) {
    request.from_tag = Text(tag->gvalue);
  }
  if (request.method == "INVITE" && request.from_tag.empty()) return absl::InvalidArgumentError("sip.from: INVITE without a tag");

  request.caller = UriText(from->url);
  request.caller_name = Text(from->displayname);
  // osip2 keeps a quoted display name's quotes.
  if (request.caller_name.size() >= 2 && request.caller_name.front() == '"' && request.caller_name.back() == '"') {
    request.caller_name = request.caller_name.substr(1, request.caller_name.size() - 2);
  }
  const std::string asserted = NameAddrUri(HeaderValue(raw, "p-asserted-identity"));
  if (!asserted.empty()) request.caller = asserted;
  const std::string privacy = absl::AsciiStrToLower(HeaderValue(raw, "privacy"));
  request.anonymous = absl::StrContains(privacy, "id") || absl::StrContains(privacy, "header") ||
                      absl::StrContains(absl::AsciiStrToLower(request.caller), "anonymous");
  request.dialed = raw->req_uri->username != nullptr ? Text(raw->req_uri->username) : Text(to->url->username);
  request.diverted_from = NameAddrUri(HeaderValue(raw, "diversion"));
  for (int i = 0; i < osip_list_size(&raw->headers) && request.x_headers.size() < kMaxXHeaders; ++i) {
    const auto* header = static_cast<const osip_header_t*>(osip_list_get(&raw->headers, i));
    std::string name = absl::AsciiStrToLower(Text(header->hname));
    if (!absl::StartsWith(name, "x-")) continue;
    request.x_headers.emplace_back(std::move(name), std::string(absl::StripAsciiWhitespace(Text(header->hvalue))));
  }
  if (auto s = CopyResponseHeaders(raw, request); !s.ok()) return s;
  return request;
}

omnibroker::v1::Event CallEvent(const SipRequest& invite, TimePoint now) {
  omnibroker::v1::Event e;
  e.set_id(absl::StrCat("sip:", invite.call_id, ":", invite.from_tag));
  e.set_channel(omnibroker::v1::CHANNEL_VOICE);
  e.set_provider("sip");
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_CALL);
  e.set_thread_key(invite.call_id);
  auto* sender = e.mutable_sender();
  sender->set_provider("sip");
  if (invite.anonymous) {
    sender->set_handle("anonymous");
  } else {
    sender->set_handle(invite.caller);
    sender->set_display_name(invite.caller_name);
  }
  *e.mutable_occurred_at() = ToProto(now);
  *e.mutable_received_at() = e.occurred_at();
  e.mutable_content()->set_text(absl::StrCat("Call from ", invite.anonymous ? "anonymous" : invite.caller,
                                             " to ", invite.dialed));
  (*e.mutable_provider_metadata())["sip.dialed"] = invite.dialed;
  if (!invite.diverted_from.empty()) (*e.mutable_provider_metadata())["sip.diversion"] = invite.diverted_from;
  // The custom headers go with the call, for the agent and for reports: "sip.header.x-queue".
  // Not for a caller who asked for privacy: a PBX puts caller data (a number, an account) in them.
  // Routing still reads them (sip_routes), only nothing of them travels.
  for (const auto& [name, value] : invite.anonymous ? decltype(invite.x_headers){} : invite.x_headers) {
    std::string& joined = (*e.mutable_provider_metadata())[absl::StrCat("sip.header.", name)];
    absl::StrAppend(&joined, joined.empty() ? "" : ", ", value);
  }
  return e;
}

}  // namespace omni::connectors::sip

namespace omni::connectors::sip {

omnibroker::v1::Event CallReport(const SipRequest& invite, std::string_view outcome,
                                 std::chrono::milliseconds waited, std::string_view redirect_to,
                                 TimePoint now) {
  omnibroker::v1::Event e = CallEvent(invite, now);
  e.set_id(absl::StrCat(e.id(), ":", std::string(outcome)));
  auto& metadata = *e.mutable_provider_metadata();
  metadata["call.outcome"] = std::string(outcome);
  metadata["call.wait_ms"] = std::to_string(waited.count());
  const int64_t seconds = (waited.count() + 500) / 1000;
  const std::string who = invite.anonymous ? "anonymous" : invite.caller;
  if (outcome == "answered") {
    metadata["call.redirect_to"] = std::string(redirect_to);
    e.mutable_content()->set_text(absl::StrCat("Call from ", who, " put through to ", std::string(redirect_to),
                                               " after ", seconds, " s"));
  } else {
    e.mutable_content()->set_text(absl::StrCat("Call from ", who, " ", std::string(outcome), " after ", seconds, " s"));
  }
  return e;
}

}  // namespace omni::connectors::sip
