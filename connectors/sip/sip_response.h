// SIP responses written from the request they answer (RFC 3261 8.2.6): the Via list, From,
// Call-ID and CSeq copied, the To given our tag (except on 100 Trying). Pure, so it is unit tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connectors/sip/sip_parser.h"

namespace omni::connectors::sip {

// The standard reason phrase of the codes the connector sends ("Moved Temporarily" for 302).
std::string_view ReasonPhrase(int code);

// The response `code` to `request`; `extra_headers` are whole lines without CRLF
// ("Contact: <sip:alice@10.0.0.1>").
std::string Response(const SipRequest& request, int code, std::string_view to_tag,
                     const std::vector<std::string>& extra_headers = {});

}  // namespace omni::connectors::sip
