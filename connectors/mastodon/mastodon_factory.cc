#include "connectors/mastodon/mastodon_factory.h"

#include "absl/strings/str_cat.h"
#include "connectors/mastodon/mastodon_connector.h"
#include "connectors/mastodon/mastodon_parser.h"

namespace omni::connectors::mastodon {
namespace {

// Settings: instance_url, access_token, poll_interval_ms, ack_wait_ms, state_dir.
class MastodonFactory : public ConnectorFactory {
 public:
  std::string_view Name() const override { return kProvider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    MastodonOptions options;
    options.instance_url = config.Get("instance_url");
    options.access_token = config.Get("access_token");
    auto interval = config.GetInt("poll_interval_ms", options.poll_interval.count());
    if (!interval.ok()) return interval.status();
    if (*interval == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("connector '", config.name, "': poll_interval_ms must be positive"));
    }
    options.poll_interval = std::chrono::milliseconds(*interval);
    auto ack_wait = config.GetInt("ack_wait_ms", options.ack_wait.count());
    if (!ack_wait.ok()) return ack_wait.status();
    options.ack_wait = std::chrono::milliseconds(*ack_wait);
    if (const std::string dir = config.Get("state_dir"); !dir.empty()) {
      options.state_file = std::filesystem::path(dir) / (config.name + ".cursor");
    }
    auto connector = MastodonConnector::Create(std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  // There is no webhook to authenticate: what is normalized was fetched with the account's token.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    const std::string host = InstanceHost(config.Get("instance_url"));
    if (host.empty()) {
      return absl::FailedPreconditionError("mastodon: instance_url is required to name events");
    }
    return ParseBody(request.body, host, now);
  }
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeMastodonFactory() {
  return std::make_unique<MastodonFactory>();
}

}  // namespace omni::connectors::mastodon
