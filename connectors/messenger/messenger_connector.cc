#include "connectors/messenger/messenger_connector.h"

namespace omni::connectors::messenger {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now) {
  return meta::NormalizeMetaWebhook(kChannel, app_secret, request, now);
}

}  // namespace omni::connectors::messenger
