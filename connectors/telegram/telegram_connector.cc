#include "connectors/telegram/telegram_connector.h"

#include <nlohmann/json.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "connectors/sdk/signature.h"
#include "connectors/telegram/telegram_parser.h"

namespace omni::connectors::telegram {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeUpdate(std::string_view secret_token,
                                                                  const InboundRequest& request,
                                                                  TimePoint now) {
  if (auto s = VerifySharedSecret(secret_token, request.Header(kSecretHeader), kSecretHeader);
      !s.ok()) {
    return s;
  }
  return ParseUpdate(request.body, now);
}

absl::StatusOr<std::unique_ptr<TelegramConnector>> TelegramConnector::Create(
    TelegramOptions options) {
  if (options.secret_token.empty()) {
    return absl::InvalidArgumentError("telegram: secret_token is required");
  }
  if (options.bot_token.empty()) return absl::InvalidArgumentError("telegram: bot_token is required");
  if (options.api.base_url.empty()) options.api.base_url = "https://api.telegram.org";
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<TelegramConnector>(
      new TelegramConnector(std::move(options), *std::move(api)));
}

TelegramConnector::TelegramConnector(TelegramOptions options, ProviderClient api)
    : options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(options_.webhook, [this](const InboundRequest& request, TimePoint now) {
        return NormalizeUpdate(options_.secret_token, request, now);
      }) {}

std::vector<std::string> TelegramConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status TelegramConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void TelegramConnector::Stop() { endpoint_.Stop(); }

absl::Status TelegramConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  // The thread key is the chat (a group, or the private chat whose id is the user's); a business
  // account's chat is "<business_connection_id>:<chat id>" and is answered through that connection.
  const std::string& thread =
      event.thread_key().empty() ? event.recipient().handle() : event.thread_key();
  const size_t colon = thread.rfind(':');
  const std::string business_connection = colon == std::string::npos ? "" : thread.substr(0, colon);
  int64_t chat_id = 0;
  if (!absl::SimpleAtoi(colon == std::string::npos ? thread : thread.substr(colon + 1), &chat_id) ||
      (colon != std::string::npos && business_connection.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("telegram delivery: thread_key / recipient.handle '", thread,
                     "' is not a chat id (nor <business_connection_id>:<chat id>)"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("telegram delivery: content.text is empty");
  }
  nlohmann::json body{{"chat_id", chat_id}, {"text", event.content().text()}};
  if (!business_connection.empty()) body["business_connection_id"] = business_connection;
  auto response =
      api_.PostJson(absl::StrCat("/bot", options_.bot_token, "/sendMessage"), body.dump());
  if (!response.ok()) return response.status();
  if (auto s = StatusFromHttp(*response, "telegram sendMessage"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

}  // namespace omni::connectors::telegram
