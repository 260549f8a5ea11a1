#include "connectors/instagram/instagram_factory.h"

#include "connectors/meta/messaging_connector.h"
#include "connectors/instagram/instagram_parser.h"

namespace omni::connectors::instagram {

// Settings: app_secret, verify_token, access_token (the Instagram account's), api_base_url, listen, path,
// max_body_bytes, ack_wait_ms.
std::unique_ptr<ConnectorFactory> MakeInstagramFactory() {
  return meta::MakeMessagingFactory(kPlatform, "/instagram/webhook",
                                    "https://graph.instagram.com/v21.0");
}

}  // namespace omni::connectors::instagram
