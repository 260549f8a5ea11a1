// The email connector's factory, registered by name ("email"; its events carry provider "smtp").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::email {

std::unique_ptr<ConnectorFactory> MakeEmailFactory();

}  // namespace omni::connectors::email
