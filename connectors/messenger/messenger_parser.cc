#include "connectors/messenger/messenger_parser.h"

namespace omni::connectors::messenger {

absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(std::string_view body,
                                                                TimePoint received_at,
                                                                std::vector<std::string>* dropped) {
  return meta::ParseMessagingWebhook(kPlatform, body, received_at, dropped);
}

}  // namespace omni::connectors::messenger
