#include "connectors/webchat/webchat_factory.h"

#include "absl/strings/str_cat.h"
#include "connectors/webchat/webchat_connector.h"

namespace omni::connectors::webchat {
namespace {

// The token secret: given (inline, or token_secret_file as for any secret), or kept in the file
// token_secret_path, which Create() makes with a fresh secret when missing.
absl::StatusOr<std::string> TokenSecret(const ConnectorConfig& config, bool create_missing) {
  if (std::string secret = config.Get("token_secret"); !secret.empty()) return secret;
  const std::string file = config.Get("token_secret_path");
  if (file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': set token_secret, token_secret_file or token_secret_path"));
  }
  if (create_missing) return LoadOrCreateSecret(file);
  return ReadSecret(file);
}

// The registration rate limits and the visitor profiles' bounds.
absl::Status ReadRegistrationLimits(const ConnectorConfig& config, WebChatOptions& options) {
  RegistrationRates& rates = options.registration_rates;
  for (auto [key, value] :
       {std::pair{"register_per_minute_per_address", &rates.per_address_per_minute},
        std::pair{"register_burst_per_address", &rates.per_address_burst},
        std::pair{"register_per_minute", &rates.total_per_minute},
        std::pair{"register_burst", &rates.total_burst}}) {
    auto read = config.GetInt(key, *value);
    if (!read.ok()) return read.status();
    *value = *read;
  }
  auto max_visitors = config.GetInt("max_visitors", static_cast<int64_t>(options.max_visitors));
  if (!max_visitors.ok()) return max_visitors.status();
  options.max_visitors = static_cast<size_t>(*max_visitors);
  auto idle_days = config.GetInt(
      "visitor_idle_days",
      std::chrono::duration_cast<std::chrono::hours>(options.visitor_idle_expiry).count() / 24);
  if (!idle_days.ok()) return idle_days.status();
  options.visitor_idle_expiry = std::chrono::hours(24 * *idle_days);
  return absl::OkStatus();
}

class WebChatFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    WebChatOptions options;
    if (auto s = config.GetListen("listen", "127.0.0.1:8080", options.host, options.port); !s.ok()) {
      return s;
    }
    auto secret = TokenSecret(config, /*create_missing=*/true);
    if (!secret.ok()) return secret.status();
    options.secret = *std::move(secret);
    auto ack_wait = config.GetInt("ack_wait_ms", 10000);
    if (!ack_wait.ok()) return ack_wait.status();
    options.ack_wait = std::chrono::milliseconds(*ack_wait);
    auto long_poll = config.GetInt("max_long_poll_s", 30);
    if (!long_poll.ok()) return long_poll.status();
    options.max_long_poll = std::chrono::seconds(*long_poll);
    auto threads = config.GetInt("http_threads", options.http_threads);
    if (!threads.ok()) return threads.status();
    options.http_threads = static_cast<int>(*threads);
    // By default a quarter of the threads stay for registrations and messages.
    auto listeners = config.GetInt("max_listeners", options.http_threads * 3 / 4);
    if (!listeners.ok()) return listeners.status();
    options.max_listeners = static_cast<int>(*listeners);
    auto per_visitor =
        config.GetInt("max_listeners_per_visitor", options.max_listeners_per_visitor);
    if (!per_visitor.ok()) return per_visitor.status();
    options.max_listeners_per_visitor = static_cast<int>(*per_visitor);
    if (auto s = ReadRegistrationLimits(config, options); !s.ok()) return s;
    auto token_hours = config.GetInt("token_ttl_hours", 24);
    if (!token_hours.ok()) return token_hours.status();
    options.token_ttl = std::chrono::hours(*token_hours);
    auto connector = WebChatConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  // A captured POST /v1/messages: the bearer token names the visitor, the body is the message.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    auto secret = TokenSecret(config, /*create_missing=*/false);
    if (!secret.ok()) return secret.status();
    // The lifetime only matters for issuing; a captured token is checked against `now`.
    auto tokens = VisitorTokens::Create(*std::move(secret), WebChatOptions().token_ttl);
    if (!tokens.ok()) return tokens.status();
    auto verified = tokens->VerifyBearer(request.Header("Authorization"), now);
    if (!verified.ok()) return verified.status();
    Visitor visitor;
    visitor.id = std::move(verified->visitor_id);
    auto event = ParseVisitorMessage(request.body, visitor, now);
    if (!event.ok()) return event.status();
    return std::vector<omnibroker::v1::Event>{*std::move(event)};
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeWebChatFactory() { return std::make_unique<WebChatFactory>(); }

}  // namespace omni::connectors::webchat
