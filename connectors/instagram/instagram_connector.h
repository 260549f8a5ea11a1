// The Instagram connector's I/O part: the Instagram account's webhook and the Send API, both the
// Messenger Platform connector Messenger and Instagram share (connectors/meta/messaging_connector.h).
#pragma once

#include "connectors/meta/messaging_connector.h"

namespace omni::connectors::instagram {

using InstagramConnector = meta::MessagingConnector;

// The inbound path shared by the running connector and Normalize: signature check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now);

}  // namespace omni::connectors::instagram
