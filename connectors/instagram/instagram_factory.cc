#include "connectors/instagram/instagram_factory.h"

#include "connectors/instagram/instagram_connector.h"

namespace omni::connectors::instagram {

// Settings: app_secret, verify_token, access_token, api_base_url, listen, path, max_body_bytes,
// ack_wait_ms (see meta::MakeMetaFactory).
std::unique_ptr<ConnectorFactory> MakeInstagramFactory() { return meta::MakeMetaFactory(kChannel); }

}  // namespace omni::connectors::instagram
