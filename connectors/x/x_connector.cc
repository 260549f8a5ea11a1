#include "connectors/x/x_connector.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "connectors/sdk/form_encoding.h"
#include "connectors/sdk/signature.h"
#include "connectors/x/x_parser.h"

namespace omni::connectors::x {
namespace {

// X's crc_token is a short base64 text (base64 of a UUID: 48 characters). The answer is an HMAC
// under the same consumer secret that signs webhook bodies, so a token that could be a body (JSON
// needs '{', '"', ':') must never be signed: that would hand anyone a valid signature for a forged
// delivery. Only the base64 and base64url alphabets, and only so long, are answered.
constexpr size_t kMaxCrcTokenLength = 128;

bool IsCrcTokenShaped(std::string_view token) {
  return !token.empty() && token.size() <= kMaxCrcTokenLength &&
         std::all_of(token.begin(), token.end(), [](char c) {
           return absl::ascii_isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' ||
                  c == '_';
         });
}

// Tweet ids are decimal strings beyond 2^53: the longer one is newer.
bool NewerId(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() > b.size() : a > b;
}

}  // namespace

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeRequest(
    std::string_view consumer_secret, std::string_view account_id, const InboundRequest& request,
    TimePoint now) {
  if (auto s =
          VerifyPrefixedHmac(Digest::kSha256, MacEncoding::kBase64, consumer_secret, request.body,
                             request.Header(kSignatureHeader), "sha256=", kSignatureHeader);
      !s.ok()) {
    return s;
  }
  return ParseBody(request.body, account_id, now);
}

absl::StatusOr<std::string> AnswerCrc(std::string_view consumer_secret,
                                      const InboundRequest& request) {
  if (consumer_secret.empty()) {
    return absl::FailedPreconditionError("x: no consumer_secret configured to answer the CRC");
  }
  const size_t query = request.path.find('?');
  std::string token;
  if (query != std::string::npos) {
    for (absl::string_view pair : absl::StrSplit(request.path.substr(query + 1), '&')) {
      if (absl::ConsumePrefix(&pair, "crc_token=")) token = FormDecode(ToStd(pair));
    }
  }
  if (token.empty())
    return absl::InvalidArgumentError("x CRC: crc_token is missing from the query");
  if (!IsCrcTokenShaped(token)) {
    return absl::InvalidArgumentError(
        absl::StrCat("x CRC: crc_token must be 1 to ", kMaxCrcTokenLength,
                     " characters of A-Z a-z 0-9 + / = - _ (as X sends); got ", token.size(),
                     " bytes that are not, left unsigned"));
  }
  const std::string mac = Hmac(Digest::kSha256, consumer_secret, token);
  return nlohmann::json{{"response_token", absl::StrCat("sha256=", absl::Base64Escape(mac))}}
      .dump();
}

absl::StatusOr<std::unique_ptr<XConnector>> XConnector::Create(XOptions options) {
  if (options.consumer_secret.empty()) {
    return absl::InvalidArgumentError("x: consumer_secret is required");
  }
  if (options.access_token.empty())
    return absl::InvalidArgumentError("x: access_token is required");
  if (options.api.base_url.empty()) options.api.base_url = "https://api.x.com";
  options.api.headers.emplace_back("Authorization", absl::StrCat("Bearer ", options.access_token));
  auto api = ProviderClient::Create(options.api);
  if (!api.ok()) return api.status();
  return std::unique_ptr<XConnector>(new XConnector(std::move(options), *std::move(api)));
}

XConnector::XConnector(XOptions options, ProviderClient api)
    : options_(std::move(options)),
      api_(std::move(api)),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request, TimePoint now) { return Receive(request, now); },
          [this](const InboundRequest& request) {
            return AnswerCrc(options_.consumer_secret, request);
          }) {}

absl::StatusOr<std::vector<omnibroker::v1::Event>> XConnector::Receive(
    const InboundRequest& request, TimePoint now) {
  auto events = NormalizeRequest(options_.consumer_secret, options_.account_id, request, now);
  if (!events.ok()) return events;
  std::lock_guard lock(mu_);
  for (auto& event : *events) {
    auto tweet = event.provider_metadata().find("tweet_id");
    if (tweet == event.provider_metadata().end()) continue;
    // A webhook tweet names only its parent: an answer to our reply belongs to the thread the
    // reply was sent in.
    absl::string_view parent = event.reply_to_event_id();
    if (absl::ConsumePrefix(&parent, "x:tweet:")) {
      if (auto own = own_tweet_thread_.find(std::string(parent)); own != own_tweet_thread_.end()) {
        event.set_thread_key(own->second);
      }
    }
    std::string& latest = latest_tweet_[event.thread_key()];
    if (latest.empty() || NewerId(tweet->second, latest)) latest = tweet->second;
  }
  return events;
}

bool XConnector::Delivered(const std::string& event_id) const {
  std::lock_guard lock(mu_);
  return delivered_.contains(event_id);
}

std::vector<std::string> XConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status XConnector::Start(ConnectorContext& context) { return endpoint_.Start(context); }

void XConnector::Stop() { endpoint_.Stop(); }

absl::Status XConnector::Deliver(const omnibroker::v1::Event& event) {
  std::string in_reply_to;
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
    if (auto it = latest_tweet_.find(event.thread_key()); it != latest_tweet_.end()) {
      in_reply_to = it->second;
    }
  }
  if (event.content().text().empty()) {
    return absl::InvalidArgumentError("x delivery: content.text is empty");
  }
  absl::string_view thread = event.thread_key();
  std::string path;
  nlohmann::json body{{"text", event.content().text()}};
  const bool dm = absl::ConsumePrefix(&thread, ToAbsl(kDmThreadPrefix));
  if (dm) {
    path = absl::StrCat("/2/dm_conversations/with/", thread, "/messages");
  } else if (absl::ConsumePrefix(&thread, ToAbsl(kTweetThreadPrefix))) {
    path = "/2/tweets";
    body["reply"] = {
        {"in_reply_to_tweet_id", in_reply_to.empty() ? std::string(thread) : in_reply_to}};
  }
  if (path.empty() || thread.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("x delivery: thread_key '", event.thread_key(),
                                                   "' is neither dm:<user> nor tweet:<id>"));
  }
  auto response = api_.PostJson(path, body.dump());
  if (!response.ok()) return response.status();
  if (response->status == 403) {
    const std::string said = response->body.substr(0, 300);
    return absl::FailedPreconditionError(
        dm ? absl::StrCat("X refused the direct message: this user does not accept direct "
                          "messages from the account (or blocked it); answer with a public reply "
                          "instead. X said: ",
                          said)
           : absl::StrCat("X refused the reply: it repeats an earlier tweet word for word, or the "
                          "tweet can no longer be answered; change the text. X said: ",
                          said));
  }
  if (auto s = StatusFromHttp(*response, dm ? "x direct message" : "x reply tweet"); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  const auto sent = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!dm && sent.is_object() && sent.contains("data") && sent["data"].is_object() &&
      sent["data"].contains("id") && sent["data"]["id"].is_string()) {
    own_tweet_thread_[sent["data"]["id"].get<std::string>()] = event.thread_key();
  }
  return absl::OkStatus();
}

}  // namespace omni::connectors::x
