// The Viber connector's factory, registered by name ("viber").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::viber {

std::unique_ptr<ConnectorFactory> MakeViberFactory();

}  // namespace omni::connectors::viber
