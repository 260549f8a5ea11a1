// Where a call goes, by the number the caller dialed: settings `route.<dialed>` =
// "queue=<name> skills=<skill>:<1..10>,… priority=<n>" (each part optional) become the CALL
// event's RoutingHints. Pure, shared by the running connector and `omni-gateway normalize`.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "connectors/sdk/connector.h"
#include "connectors/sip/sip_parser.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::sip {

using CallRoutes = std::map<std::string, omnibroker::v1::RoutingHints>;  // by dialed number

// Every `route.*` setting of `config`; an error names the key and the part it cannot read.
absl::StatusOr<CallRoutes> ParseCallRoutes(const ConnectorConfig& config);

// The INVITE's CALL event with the hints of the route its dialed number names, if any.
omnibroker::v1::Event RoutedCallEvent(const SipRequest& invite, const CallRoutes& routes, TimePoint now);

}  // namespace omni::connectors::sip
