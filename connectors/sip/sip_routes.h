// Where a call goes: settings `route.<name>` = "queue=<name> skills=<skill>:<1..10>,…
// priority=<n>" (each part optional) become the CALL event's RoutingHints. The route is named by,
// in this order: the value of the X- header the `route_header` setting names (a PBX or IVR in
// front that knows what the caller chose: "X-Queue: billing"; only when configured, since a
// caller reaching the connector directly could set it), the number the caller dialed, and the
// number a forwarded call was first made to (the Diversion header's user). Pure, shared by the
// running connector and `omni-gateway normalize`.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/sdk/connector.h"
#include "connectors/sip/sip_parser.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::sip {

struct CallRoutes {
  std::map<std::string, omnibroker::v1::RoutingHints> by_name;  // route.<name>
  std::string header;  // route_header, lowercased ("x-queue"); empty = none
};

// Every `route.*` setting of `config` and `route_header`; an error names the key and the part it
// cannot read.
absl::StatusOr<CallRoutes> ParseCallRoutes(const ConnectorConfig& config);

// The INVITE's CALL event with the hints of the route it names, if any (metadata `sip.route`
// says what named it: "x-queue billing", "dialed 0301234", "diversion 0309876").
omnibroker::v1::Event RoutedCallEvent(const SipRequest& invite, const CallRoutes& routes, TimePoint now);

}  // namespace omni::connectors::sip
