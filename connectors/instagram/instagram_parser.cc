#include "connectors/instagram/instagram_parser.h"

namespace omni::connectors::instagram {

absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(std::string_view body,
                                                                TimePoint received_at,
                                                                std::vector<std::string>* dropped) {
  return meta::ParseMessagingWebhook(kPlatform, body, received_at, dropped);
}

}  // namespace omni::connectors::instagram
