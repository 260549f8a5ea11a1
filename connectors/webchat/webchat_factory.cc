#include "connectors/webchat/webchat_factory.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "connectors/webchat/webchat_connector.h"

namespace omni::connectors::webchat {
namespace {

absl::StatusOr<int64_t> IntSetting(const ConnectorConfig& config, const std::string& key,
                                   int64_t fallback) {
  const std::string value = config.Get(key);
  if (value.empty()) return fallback;
  int64_t out;
  if (!absl::SimpleAtoi(value, &out) || out < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "': ", key, " must be a non-negative integer, got '", value, "'"));
  }
  return out;
}

class WebChatFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    WebChatOptions options;
    const std::string listen = config.Get("listen", "127.0.0.1:8080");
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &options.port) ||
        options.port < 0 || options.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("connector '", config.name,
                                                     "': listen must be host:port, got '", listen, "'"));
    }
    options.host = listen.substr(0, colon);
    options.secret = config.Get("token_secret");
    if (options.secret.empty()) {
      const std::string file = config.Get("token_secret_file");
      if (file.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "connector '", config.name, "': set token_secret or token_secret_file"));
      }
      auto secret = LoadOrCreateSecret(file);
      if (!secret.ok()) return secret.status();
      options.secret = *secret;
    }
    auto ack_wait = IntSetting(config, "ack_wait_ms", 10000);
    if (!ack_wait.ok()) return ack_wait.status();
    options.ack_wait = std::chrono::milliseconds(*ack_wait);
    auto long_poll = IntSetting(config, "max_long_poll_s", 30);
    if (!long_poll.ok()) return long_poll.status();
    options.max_long_poll = std::chrono::seconds(*long_poll);
    auto connector = WebChatConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeWebChatFactory() { return std::make_unique<WebChatFactory>(); }

}  // namespace omni::connectors::webchat
