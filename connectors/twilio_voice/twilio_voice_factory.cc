#include "connectors/twilio_voice/twilio_voice_factory.h"

#include "connectors/twilio_voice/twilio_voice_connector.h"
#include "connectors/twilio_voice/twilio_voice_parser.h"

namespace omni::connectors::twilio_voice {
namespace {

// Settings: see TwilioVoiceConnector::Create. Normalize needs auth_token and public_base_url.
class TwilioVoiceFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    auto connector = TwilioVoiceConnector::Create(config);
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  // One signed request → the call, or its abandoned or completed report. The connector's own
  // answered and overflowed reports need the calls it holds, so they are not made here.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeTwilioVoice(config.Get("auth_token"), config.Get("public_base_url"), request,
                                now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeTwilioVoiceFactory() {
  return std::make_unique<TwilioVoiceFactory>();
}

}  // namespace omni::connectors::twilio_voice
