// `omni-gateway run`: hosts the configured connectors out of the broker's process. Each one gets
// the same ConnectorHost as inside the broker, linked to the broker's ingest endpoint over tcp://
// (outbox until acked, disk spool while the broker is away); the gateway keeps no other state, so
// it scales by running more of it. Its admin HTTP port (admin_listen) serves the connectors'
// metrics (connectors/sdk/connector_host.h), /livez, and /readyz (200 once every connector listens).
#pragma once

#include <csignal>
#include <iosfwd>
#include <string>
#include <vector>

namespace omni::gateway {

// args: the words after "run" (see gateway_config.h). Runs until one of `stop_signals` arrives
// (they must be blocked in every thread, i.e. before this is called), then stops the connectors
// and returns the exit code: 0 after a clean stop, 1 when a connector could not start, 2 on a
// configuration error.
int RunGateway(const std::vector<std::string>& args, const sigset_t& stop_signals,
               std::ostream& out, std::ostream& err);

}  // namespace omni::gateway
