// The Messenger connector's I/O part: the page's webhook and the Send API,
// both the connector all Meta channels share (connectors/meta/meta_connector.h); this names the
// channel.
#pragma once

#include "connectors/messenger/messenger_parser.h"
#include "connectors/meta/graph_api.h"
#include "connectors/meta/meta_connector.h"

namespace omni::connectors::messenger {

using MessengerConnector = meta::MetaConnector;

inline constexpr meta::MetaChannel kChannel{kProvider, "/messenger/webhook",
                                            "https://graph.facebook.com/v21.0", ParseWebhook,
                                            meta::SendApiTextMessage};

// The inbound path shared by the running connector and Normalize: signature check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now);

}  // namespace omni::connectors::messenger
