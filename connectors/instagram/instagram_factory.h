// The Instagram connector's factory, registered by name ("instagram").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::instagram {

std::unique_ptr<ConnectorFactory> MakeInstagramFactory();

}  // namespace omni::connectors::instagram
