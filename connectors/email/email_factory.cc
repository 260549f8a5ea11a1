#include "connectors/email/email_factory.h"

#include "absl/strings/str_cat.h"
#include "connectors/email/email_connector.h"
#include "connectors/email/mailboxes.h"
#include "connectors/email/tls_context.h"

namespace omni::connectors::email {
namespace {

absl::StatusOr<MailProtocol> ProtocolFromConfig(const ConnectorConfig& config) {
  const std::string protocol = config.Get("protocol", "smtp");
  if (protocol == "smtp") return MailProtocol::kSmtp;
  if (protocol == "lmtp") return MailProtocol::kLmtp;
  return absl::InvalidArgumentError(
      absl::StrCat("connector '", config.name, "' setting 'protocol': '", protocol,
                   "' is not smtp or lmtp"));
}

// relay_security; without it starttls when the relay is logged in to, else none.
absl::StatusOr<RelaySecurity> RelaySecurityMode(const ConnectorConfig& config, bool logs_in) {
  const std::string security = config.Get("relay_security", logs_in ? "starttls" : "none");
  if (security == "starttls") return RelaySecurity::kStartTls;
  if (security == "tls") return RelaySecurity::kTls;
  if (security == "none") return RelaySecurity::kNone;
  if (security == "insecure") return RelaySecurity::kInsecure;
  return absl::InvalidArgumentError(
      absl::StrCat("connector '", config.name, "' setting 'relay_security': '", security,
                   "' is not starttls, tls, none or insecure"));
}

// relay_security, relay_username, relay_password (from relay_password_file) and relay_ca (PEM,
// from relay_ca_file).
absl::Status RelaySecurityFromConfig(const ConnectorConfig& config, RelayOptions& relay) {
  relay.username = config.Get("relay_username");
  relay.password = config.Get("relay_password");
  if (relay.username.empty() != relay.password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': set relay_username and relay_password_file together"));
  }
  auto security = RelaySecurityMode(config, !relay.username.empty());
  if (!security.ok()) return security.status();
  relay.security = *security;
  if (relay.security == RelaySecurity::kNone && !relay.username.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name,
        "' setting 'relay_security': none would send relay_password in the clear; use starttls "
        "or tls (or insecure, to send it in the clear anyway)"));
  }
  const std::string ca = config.Get("relay_ca");
  if (relay.security != RelaySecurity::kStartTls && relay.security != RelaySecurity::kTls) {
    if (ca.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': relay_ca_file is for relay_security starttls or tls"));
  }
  auto tls = ClientTlsContext(ca);
  if (!tls.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("connector '", config.name,
                                                   "' setting 'relay_ca_file': ",
                                                   tls.status().message()));
  }
  relay.tls = *std::move(tls);
  return absl::OkStatus();
}

absl::Status RelayFromConfig(const ConnectorConfig& config, EmailOptions& options) {
  if (config.Get("relay").empty()) return absl::OkStatus();
  RelayOptions relay;
  relay.hostname = options.session.hostname;
  if (auto s = config.GetListen("relay", "", relay.host, relay.port); !s.ok()) return s;
  if (auto s = RelaySecurityFromConfig(config, relay); !s.ok()) return s;
  options.thread_dir = config.Get("thread_dir");
  if (options.thread_dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': a relay needs thread_dir (e.g. ${data_dir}/email-threads)"));
  }
  options.relay = relay;
  return absl::OkStatus();
}

// "true" or "false" at `key`, or `fallback` when absent.
absl::StatusOr<bool> BoolFromConfig(const ConnectorConfig& config, const std::string& key,
                                    bool fallback) {
  const std::string value = config.Get(key, fallback ? "true" : "false");
  if (value == "true") return true;
  if (value == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat("connector '", config.name, "' setting '", key,
                                                 "': '", value, "' is not true or false"));
}

// STARTTLS on the listener: tls_cert and tls_key (PEM text, from tls_cert_file and tls_key_file),
// and require_tls.
absl::Status ListenerTlsFromConfig(const ConnectorConfig& config, SessionOptions& session) {
  const std::string cert = config.Get("tls_cert");
  const std::string key = config.Get("tls_key");
  auto require = BoolFromConfig(config, "require_tls", false);
  if (!require.ok()) return require.status();
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': set tls_cert_file and tls_key_file together"));
  }
  if (cert.empty()) {
    if (!*require) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "': require_tls needs tls_cert_file and tls_key_file"));
  }
  auto context = ServerTlsContext(cert, key);
  if (!context.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("connector '", config.name,
                                                   "' settings tls_cert_file, tls_key_file: ",
                                                   context.status().message()));
  }
  session.tls = *std::move(context);
  session.require_tls = *require;
  return absl::OkStatus();
}

// A duration setting in milliseconds, above zero.
absl::Status MillisecondsFromConfig(const ConnectorConfig& config, const std::string& key,
                                    std::chrono::milliseconds fallback,
                                    std::chrono::milliseconds& value) {
  auto ms = config.GetInt(key, fallback.count());
  if (!ms.ok()) return ms.status();
  if (*ms == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "' setting '", key, "': must be above 0"));
  }
  value = std::chrono::milliseconds(*ms);
  return absl::OkStatus();
}

// Settings: listen, protocol, hostname, max_message_bytes, max_connections, idle_timeout_ms,
// session_timeout_ms, ack_wait_ms, mailboxes (see mailboxes.h), route.<mailbox> (see
// mail_routes.h), tls_cert, tls_key, require_tls, relay, relay_security, relay_username,
// relay_password, relay_ca, thread_dir.
class EmailFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return "email"; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    EmailOptions options;
    if (auto s = config.GetListen("listen", "127.0.0.1:2525", options.host, options.port); !s.ok()) {
      return s;
    }
    auto protocol = ProtocolFromConfig(config);
    if (!protocol.ok()) return protocol.status();
    options.session.protocol = *protocol;
    options.session.hostname = config.Get("hostname", "omnibroker");
    auto max_bytes = config.GetInt("max_message_bytes", 10 * 1024 * 1024);
    if (!max_bytes.ok()) return max_bytes.status();
    options.session.max_message_bytes = *max_bytes;
    auto max_connections = config.GetInt("max_connections", 32);
    if (!max_connections.ok()) return max_connections.status();
    options.max_connections = static_cast<size_t>(*max_connections);
    if (auto s = MillisecondsFromConfig(config, "idle_timeout_ms", options.session.idle_timeout,
                                        options.session.idle_timeout);
        !s.ok()) {
      return s;
    }
    if (auto s = MillisecondsFromConfig(config, "session_timeout_ms",
                                        options.session.session_timeout,
                                        options.session.session_timeout);
        !s.ok()) {
      return s;
    }
    auto ack_wait = config.GetInt("ack_wait_ms", 10000);
    if (!ack_wait.ok()) return ack_wait.status();
    options.ack_wait = std::chrono::milliseconds(*ack_wait);
    auto routes = RoutesFromConfig(config);
    if (!routes.ok()) return routes.status();
    options.routes = *std::move(routes);
    auto mailboxes = Mailboxes::FromConfig(config, options.routes);
    if (!mailboxes.ok()) return mailboxes.status();
    options.session.mailboxes = *std::move(mailboxes);
    if (auto s = ListenerTlsFromConfig(config, options.session); !s.ok()) return s;
    if (auto s = RelayFromConfig(config, options); !s.ok()) return s;
    return std::unique_ptr<Connector>(std::make_unique<EmailConnector>(std::move(options)));
  }

  // A captured mail (the raw bytes as body); its To mailboxes stand in for the envelope.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    auto routes = RoutesFromConfig(config);
    if (!routes.ok()) return routes.status();
    auto event = NormalizeMail(*routes, /*envelope_recipients=*/{}, request.body, now);
    if (!event.ok()) return event.status();
    return std::vector<omnibroker::v1::Event>{*std::move(event)};
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeEmailFactory() { return std::make_unique<EmailFactory>(); }

}  // namespace omni::connectors::email
