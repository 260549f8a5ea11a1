// The Telegram connector's factory, registered by name ("telegram").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::telegram {

std::unique_ptr<ConnectorFactory> MakeTelegramFactory();

}  // namespace omni::connectors::telegram
