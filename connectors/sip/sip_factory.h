// The SIP connector's factory, registered by name ("sip").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::sip {

std::unique_ptr<ConnectorFactory> MakeSipFactory();

}  // namespace omni::connectors::sip
