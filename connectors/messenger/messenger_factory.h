// The Messenger connector's factory, registered by name ("messenger").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::messenger {

std::unique_ptr<ConnectorFactory> MakeMessengerFactory();

}  // namespace omni::connectors::messenger
