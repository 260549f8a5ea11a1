// Routing hints by the mailbox a mail was written to. Settings are flat strings, so a route is
//   route.complaints@example.com: "queue=complaints;skills=complaints:5,legal:3;priority=1"
// (every part optional). The first recipient with a route decides; mailboxes compare lower-cased.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/sdk/connector.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::email {

using MailRoutes = std::map<std::string, omnibroker::v1::RoutingHints>;

// Every `route.<mailbox>` setting of `config`; an error names the setting and the bad part.
absl::StatusOr<MailRoutes> RoutesFromConfig(const ConnectorConfig& config);

// Sets event.routing from the first of `recipients` that has a route; leaves it alone otherwise.
void ApplyRoute(const MailRoutes& routes, const std::vector<std::string>& recipients,
                omnibroker::v1::Event& event);

}  // namespace omni::connectors::email
