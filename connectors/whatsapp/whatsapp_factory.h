// The WhatsApp connector's factory, registered by name ("whatsapp").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::whatsapp {

std::unique_ptr<ConnectorFactory> MakeWhatsAppFactory();

}  // namespace omni::connectors::whatsapp
