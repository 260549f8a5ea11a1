// The web chat connector's factory, found by the name "webchat".
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::webchat {

// Settings: listen ("127.0.0.1:8080"; port 0 picks one), token_secret (or token_secret_file, read
// like any secret file) or token_secret_path (a file kept by the connector, created with a fresh
// secret when missing), ack_wait_ms (10000), max_long_poll_s (30), http_threads (64),
// max_listeners (three quarters of http_threads), max_listeners_per_visitor (4),
// register_per_minute_per_address (10), register_burst_per_address (20), register_per_minute
// (600), register_burst (100) (0 per minute: no limit), max_visitors (100000), visitor_idle_days
// (30), token_ttl_hours (24).
std::unique_ptr<ConnectorFactory> MakeWebChatFactory();

}  // namespace omni::connectors::webchat
