#include "connectors/meta/meta_connector.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "connectors/meta/graph_api.h"
#include "connectors/meta/meta_webhook.h"

namespace omni::connectors::meta {

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeMetaWebhook(
    const MetaChannel& channel, std::string_view app_secret, const InboundRequest& request,
    TimePoint now, std::vector<std::string>* dropped) {
  if (auto s = VerifySignature(app_secret, request); !s.ok()) return s;
  return channel.parse(request.body, now, dropped);
}

absl::StatusOr<std::unique_ptr<MetaConnector>> MetaConnector::Create(const MetaChannel& channel,
                                                                     MetaOptions options) {
  for (const auto& [name, value] : {std::pair{"app_secret", &options.app_secret},
                                    std::pair{"verify_token", &options.verify_token},
                                    std::pair{"access_token", &options.access_token}}) {
    if (value->empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(channel.provider), ": ", name, " is required"));
    }
  }
  if (options.api.base_url.empty()) options.api.base_url = std::string(channel.default_api);
  options.api.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.access_token));
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<MetaConnector>(
      new MetaConnector(channel, std::move(options), *std::move(api)));
}

MetaConnector::MetaConnector(const MetaChannel& channel, MetaOptions options, ProviderClient api)
    : channel_(channel),
      options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request,
                 TimePoint now) -> absl::StatusOr<NormalizedRequest> {
            std::vector<std::string> dropped;
            auto events =
                NormalizeMetaWebhook(channel_, options_.app_secret, request, now, &dropped);
            if (!events.ok()) return events.status();
            return NormalizedRequest(*std::move(events), std::move(dropped));
          },
          [this](const InboundRequest& request) {
            return AnswerSubscription(options_.verify_token, request);
          }) {}

std::vector<std::string> MetaConnector::Providers() const {
  return {std::string(channel_.provider)};
}

absl::Status MetaConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void MetaConnector::Stop() { endpoint_.Stop(); }

absl::Status MetaConnector::Deliver(const omnibroker::v1::Event& event) {
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  const std::string what = absl::StrCat(ToAbsl(channel_.provider), " /messages");
  // Which business number, page or account writes, and to whom.
  const std::string& thread = event.thread_key();
  const size_t colon = thread.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == thread.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": thread_key '", thread, "' is not <business id>:<customer id>"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": content.text is empty"));
  }
  auto response =
      api_.PostJson(absl::StrCat("/", thread.substr(0, colon), "/messages"),
                    channel_.text_message(thread.substr(colon + 1), event.content().text()));
  if (!response.ok()) return response.status();
  if (auto s = SendStatus(*response, what); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

namespace {

class MetaFactory : public ConnectorFactory {
 public:
  explicit MetaFactory(const MetaChannel& channel) : channel_(channel) {}

  std::string_view Name() const override { return channel_.provider; }

  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig& config) const override {
    MetaOptions options;
    auto webhook = WebhookOptionsFromConfig(config, std::string(channel_.default_path));
    if (!webhook.ok()) return webhook.status();
    options.webhook = *std::move(webhook);
    options.app_secret = config.Get("app_secret");
    options.verify_token = config.Get("verify_token");
    options.access_token = config.Get("access_token");
    options.api.base_url = config.Get("api_base_url", std::string(channel_.default_api));
    auto connector = MetaConnector::Create(channel_, std::move(options));
    if (!connector.ok()) return connector.status();
    return std::unique_ptr<Connector>(std::move(connector).value());
  }

  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig& config,
                                                               const InboundRequest& request,
                                                               TimePoint now) const override {
    return NormalizeMetaWebhook(channel_, config.Get("app_secret"), request, now);
  }

 private:
  const MetaChannel channel_;
};

}  // namespace

std::unique_ptr<ConnectorFactory> MakeMetaFactory(const MetaChannel& channel) {
  return std::make_unique<MetaFactory>(channel);
}

}  // namespace omni::connectors::meta
