// The X connector's factory, registered by name ("x").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::x {

std::unique_ptr<ConnectorFactory> MakeXFactory();

}  // namespace omni::connectors::x
