// The WhatsApp connector's I/O part: the Cloud API webhook and replies through
// POST /<phone_number_id>/messages, both the connector all Meta channels share
// (connectors/meta/meta_connector.h); this names the channel and writes its message body.
// WhatsApp is the authority on its 24-hour customer service window: its refusal (131047) reaches
// the agent as FAILED_PRECONDITION; no local guess, which would be wrong after a restart.
#pragma once

#include <string>

#include "connectors/meta/meta_connector.h"
#include "connectors/whatsapp/whatsapp_parser.h"

namespace omni::connectors::whatsapp {

using WhatsAppConnector = meta::MetaConnector;

// The Cloud API's body for a text message to the customer `to`: a wa_id (as `to`) or a
// business-scoped user id (as `recipient`).
std::string CloudApiTextMessage(const std::string& to, const std::string& text);

inline constexpr meta::MetaChannel kChannel{kProvider, "/whatsapp/webhook",
                                            "https://graph.facebook.com/v21.0", ParseWebhook,
                                            CloudApiTextMessage};

// The inbound path shared by the running connector and Normalize: signature check, then parse.
absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now);

}  // namespace omni::connectors::whatsapp
