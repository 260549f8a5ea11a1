#include "connectors/mastodon/mastodon_connector.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/strings.h"
#include "connectors/mastodon/mastodon_parser.h"
#include "connectors/sdk/publish_all.h"
#include "connectors/sdk/state_file.h"

namespace omni::connectors::mastodon {
namespace {

constexpr size_t kPageSize = 40;  // Mastodon's maximum

std::string LoadCursor(const std::filesystem::path& file) {
  if (file.empty()) return "";
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

// A crash leaves either cursor, never a torn one.
absl::Status SaveCursor(const std::filesystem::path& file, const std::string& cursor) {
  if (auto s = ReplaceFile(file, cursor + "\n"); !s.ok()) {
    return absl::UnavailableError(absl::StrCat("mastodon: cursor: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<MastodonConnector>> MastodonConnector::Create(
    MastodonOptions options) {
  if (options.instance_url.empty()) {
    return absl::InvalidArgumentError("mastodon: instance_url is required");
  }
  if (options.access_token.empty()) {
    return absl::InvalidArgumentError("mastodon: access_token is required");
  }
  options.api.base_url = options.instance_url;
  options.api.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.access_token));
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  std::string host = InstanceHost(options.instance_url);
  return std::unique_ptr<MastodonConnector>(
      new MastodonConnector(std::move(options), *std::move(api), std::move(host)));
}

MastodonConnector::MastodonConnector(MastodonOptions options, ProviderClient api, std::string host)
    : options_(std::move(options)), api_(std::move(api)), host_(std::move(host)) {}

MastodonConnector::~MastodonConnector() { Stop(); }

std::vector<std::string> MastodonConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status MastodonConnector::Start(ConnectorContext& context) {
  {
    std::lock_guard lock(mu_);
    cursor_ = LoadCursor(options_.state_file);
    stopping_ = false;
  }
  poller_ = std::thread([this, &context] { Run(context); });
  return absl::OkStatus();
}

void MastodonConnector::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void MastodonConnector::Run(ConnectorContext& context) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const bool more = PollOnce(context);
    lock.lock();
    if (!more) wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_; });
  }
}

void MastodonConnector::Count(const std::string& reason, int64_t n) {
  std::lock_guard lock(mu_);
  rejections_[reason] += n;
}

bool MastodonConnector::PollOnce(ConnectorContext& context) {
  const std::string cursor = this->cursor();
  // min_id pages forward from the cursor without a gap (since_id would return the newest page
  // and skip whatever lies between when more than a page arrived).
  std::string path = absl::StrCat("/api/v1/notifications?types%5B%5D=mention&limit=", kPageSize);
  if (!cursor.empty()) absl::StrAppend(&path, "&min_id=", cursor);
  auto response = api_.GetJson(path);
  absl::Status status =
      response.ok() ? StatusFromHttp(*response, "mastodon notifications") : response.status();
  if (!status.ok()) {
    Count("poll_failed");
    LogWarning("mastodon", status.ToString());
    return false;
  }
  auto page = ParseNotificationPage(response->body, host_, context.clock().Now());
  const size_t items =
      page.ok() ? page->events.size() + page->skipped.size() + page->malformed.size() : 0;
  if (!page.ok()) {
    Count("malformed");
    LogWarning("mastodon", page.status().ToString());
    return false;
  }
  if (!page->skipped.empty()) Count("skipped", page->skipped.size());
  for (const std::string& why : page->malformed) {
    Count("malformed");
    LogWarning("mastodon", absl::StrCat("notification left out: ", why));
  }
  {
    std::lock_guard lock(mu_);
    for (const auto& event : page->events) {
      const std::string& id = event.provider_metadata().at("status_id");
      std::string& latest = latest_status_[event.thread_key()];
      if (latest.empty() || NewerId(id, latest)) latest = id;
    }
  }
  const PublishOutcome outcome = PublishAll(context, std::move(page->events), options_.ack_wait);
  switch (outcome.kind) {
    case PublishOutcome::Kind::kAcked:
      break;
    case PublishOutcome::Kind::kRejected:  // polling the same again cannot help
      Count("broker_rejected");
      break;
    case PublishOutcome::Kind::kTimeout:
      Count("ack_timeout");
      return false;
    case PublishOutcome::Kind::kNotQueued:
      Count("not_queued");
      return false;
  }
  if (page->newest_id.empty() || (!cursor.empty() && !NewerId(page->newest_id, cursor))) {
    return false;
  }
  if (!options_.state_file.empty()) {
    if (auto s = SaveCursor(options_.state_file, page->newest_id); !s.ok()) {
      LogWarning("mastodon", s.ToString());  // the broker deduplicates the re-poll after a restart
    }
  }
  std::lock_guard lock(mu_);
  cursor_ = page->newest_id;
  return items == kPageSize;  // a full page: more may be waiting
}

std::string MastodonConnector::cursor() const {
  std::lock_guard lock(mu_);
  return cursor_;
}

std::map<std::string, int64_t> MastodonConnector::PollRejections() const {
  std::lock_guard lock(mu_);
  return rejections_;
}

absl::Status MastodonConnector::Deliver(const omnibroker::v1::Event& event) {
  std::string in_reply_to;
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
    if (auto it = latest_status_.find(event.thread_key()); it != latest_status_.end()) {
      in_reply_to = it->second;
    }
  }
  const std::string& thread = event.thread_key();
  const size_t colon = thread.find(':');
  const std::string visibility = thread.substr(0, colon);
  const std::string acct = colon == std::string::npos ? "" : thread.substr(colon + 1);
  if (acct.empty() || (visibility != "public" && visibility != "unlisted" &&
                       visibility != "private" && visibility != "direct")) {
    return absl::InvalidArgumentError(
        absl::StrCat("mastodon delivery: thread_key '", thread, "' is not <visibility>:<acct>"));
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("mastodon delivery: content.text is empty");
  }
  // Without the mention the customer would not be notified (nor see a direct status at all).
  const std::string mention = absl::StrCat("@", acct);
  const std::string& text = event.content().text();
  nlohmann::json body{{"status", text.starts_with(mention) ? text : mention + " " + text},
                      {"visibility", visibility}};
  if (!in_reply_to.empty()) body["in_reply_to_id"] = in_reply_to;
  auto response = api_.PostJson("/api/v1/statuses", body.dump(), {{"Idempotency-Key", event.id()}});
  if (!response.ok()) return response.status();
  if (response->status == 422 || response->status == 404) {
    const auto answer = nlohmann::json::parse(response->body, nullptr, false);
    const std::string said =
        answer.is_object() && answer.contains("error") && answer["error"].is_string()
            ? answer["error"].get<std::string>()
            : response->body.substr(0, 300);
    return absl::FailedPreconditionError(absl::StrCat(
        "Mastodon refused the reply (", said,
        "): shorten or change the text, or check that the customer's post still exists"));
  }
  if (auto s = StatusFromHttp(*response, "mastodon statuses"); !s.ok()) return s;
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

}  // namespace omni::connectors::mastodon
