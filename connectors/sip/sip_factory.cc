#include "connectors/sip/sip_factory.h"

#include "connectors/sip/sip_connector.h"
#include "connectors/sip/sip_parser.h"

namespace omni::connectors::sip {
namespace {

// Settings: listen (UDP and TCP, default 127.0.0.1:5060), max_wait_ms, ringing_every_ms, t1_ms,
// ack_wait_ms, route.<dialed number>.
class SipFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    auto connector = SipConnector::Create(config);
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  // The body is one raw SIP request: an INVITE is a call, any other request carries no event.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    auto routes = ParseCallRoutes(config);
    if (!routes.ok()) return routes.status();
    auto parsed = ParseSipRequest(request.body);
    if (!parsed.ok()) return parsed.status();
    if (parsed->method != "INVITE") return std::vector<omnibroker::v1::Event>{};
    return std::vector<omnibroker::v1::Event>{RoutedCallEvent(*parsed, *routes, now)};
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeSipFactory() { return std::make_unique<SipFactory>(); }

}  // namespace omni::connectors::sip
