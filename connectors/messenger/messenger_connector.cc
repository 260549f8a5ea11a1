#include "connectors/messenger/messenger_connector.h"

#include "connectors/messenger/messenger_parser.h"

namespace omni::connectors::messenger {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now) {
  return meta::NormalizeMessagingWebhook(kPlatform, app_secret, request, now);
}

}  // namespace omni::connectors::messenger
