// The Mastodon connector's factory, registered by name ("mastodon").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::mastodon {

std::unique_ptr<ConnectorFactory> MakeMastodonFactory();

}  // namespace omni::connectors::mastodon
