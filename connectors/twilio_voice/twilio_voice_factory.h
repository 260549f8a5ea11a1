// The Twilio voice connector's factory, registered by name ("twilio_voice").
#pragma once

#include <memory>

#include "connectors/sdk/connector.h"

namespace omni::connectors::twilio_voice {

std::unique_ptr<ConnectorFactory> MakeTwilioVoiceFactory();

}  // namespace omni::connectors::twilio_voice
