#include "connectors/messenger/messenger_factory.h"

#include "connectors/meta/messaging_connector.h"
#include "connectors/messenger/messenger_parser.h"

namespace omni::connectors::messenger {

// Settings: app_secret, verify_token, access_token (the page's), api_base_url, listen, path,
// max_body_bytes, ack_wait_ms.
std::unique_ptr<ConnectorFactory> MakeMessengerFactory() {
  return meta::MakeMessagingFactory(kPlatform, "/messenger/webhook",
                                    "https://graph.facebook.com/v21.0");
}

}  // namespace omni::connectors::messenger
