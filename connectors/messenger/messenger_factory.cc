#include "connectors/messenger/messenger_factory.h"

#include "connectors/messenger/messenger_connector.h"

namespace omni::connectors::messenger {

// Settings: app_secret, verify_token, access_token, api_base_url, listen, path, max_body_bytes,
// ack_wait_ms (see meta::MakeMetaFactory).
std::unique_ptr<ConnectorFactory> MakeMessengerFactory() { return meta::MakeMetaFactory(kChannel); }

}  // namespace omni::connectors::messenger
