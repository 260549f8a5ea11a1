// The VK connector's factory, registered by name ("vk").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::vk {

std::unique_ptr<ConnectorFactory> MakeVkFactory();

}  // namespace omni::connectors::vk
