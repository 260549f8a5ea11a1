#include "connectors/whatsapp/whatsapp_connector.h"

#include <nlohmann/json.hpp>

namespace omni::connectors::whatsapp {

std::string CloudApiTextMessage(const std::string& to, const std::string& text) {
  // Meta's business-scoped user ids reference (2026): a message to a user known only by a BSUID
  // names it in `recipient` and leaves `to` out (with both, `to`, the phone, would win).
  const bool bsuid = IsBusinessScopedUserId(to);
  return nlohmann::json{{"messaging_product", "whatsapp"},
                        {"recipient_type", "individual"},
                        {bsuid ? "recipient" : "to", to},
                        {"type", "text"},
                        {"text", {{"body", text}}}}
      .dump();
}

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeWebhook(std::string_view app_secret,
                                                                    const InboundRequest& request,
                                                                    TimePoint now) {
  return meta::NormalizeMetaWebhook(kChannel, app_secret, request, now);
}

}  // namespace omni::connectors::whatsapp
