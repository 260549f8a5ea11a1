#include "connectors/whatsapp/whatsapp_factory.h"

#include "connectors/whatsapp/whatsapp_connector.h"

namespace omni::connectors::whatsapp {

// Settings: app_secret, verify_token, access_token, api_base_url, listen, path, max_body_bytes,
// ack_wait_ms (see meta::MakeMetaFactory).
std::unique_ptr<ConnectorFactory> MakeWhatsAppFactory() { return meta::MakeMetaFactory(kChannel); }

}  // namespace omni::connectors::whatsapp
