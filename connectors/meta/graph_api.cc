#include "connectors/meta/graph_api.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::connectors::meta {
namespace {

// A Graph API code (with its subcode, 0 = any) and what it means for the agent.
struct Rule {
  int64_t code;
  int64_t subcode;
  absl::StatusCode status;
  const char* explanation;
};

constexpr Rule kRules[] = {
    {131047, 0, absl::StatusCode::kFailedPrecondition,
     "outside WhatsApp's 24-hour customer service window: only an approved template can be sent"},
    {10, 2018278, absl::StatusCode::kFailedPrecondition,
     "outside Messenger's 24-hour standard messaging window: the customer must write again "
     "before a free-form reply can be sent"},
    {10, 2534022, absl::StatusCode::kFailedPrecondition,
     "outside Instagram's 24-hour messaging window: the customer must write again before a "
     "reply can be sent"},
    {551, 0, absl::StatusCode::kFailedPrecondition,
     "the customer is not available right now (blocked the account, or left): the reply "
     "cannot be delivered"},
    {131026, 0, absl::StatusCode::kFailedPrecondition,
     "WhatsApp could not deliver the message to this number (not on WhatsApp, or an old app)"},
    {131051, 0, absl::StatusCode::kFailedPrecondition,
     "WhatsApp does not support this message type"},
    {190, 0, absl::StatusCode::kPermissionDenied,
     "the access token is invalid or expired: the connector's access_token must be renewed"},
    // Rate limits: a later attempt succeeds.
    {4, 0, absl::StatusCode::kUnavailable, "rate limited by Meta"},
    {80007, 0, absl::StatusCode::kUnavailable, "rate limited by Meta"},
    {130429, 0, absl::StatusCode::kUnavailable, "WhatsApp throughput limit reached"},
    {131048, 0, absl::StatusCode::kUnavailable, "WhatsApp spam rate limit reached"},
    {131056, 0, absl::StatusCode::kUnavailable, "too many messages to this customer at once"},
    {2, 0, absl::StatusCode::kUnavailable, "Meta's service is temporarily unavailable"},
    {131000, 0, absl::StatusCode::kUnavailable, "WhatsApp reported an internal error"},
};

}  // namespace

GraphError ParseGraphError(std::string_view body) {
  GraphError error;
  const auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return error;
  auto it = json.find("error");
  if (it == json.end() || !it->is_object()) return error;
  auto integer = [&](const char* key) -> int64_t {
    auto field = it->find(key);
    return field != it->end() && field->is_number_integer() ? field->get<int64_t>() : 0;
  };
  error.code = integer("code");
  error.subcode = integer("error_subcode");
  if (auto message = it->find("message"); message != it->end() && message->is_string()) {
    error.message = message->get<std::string>();
  }
  return error;
}

std::string SendApiTextMessage(const std::string& to, const std::string& text) {
  // RESPONSE: an answer to the user's message, inside the standard messaging window.
  return nlohmann::json{
      {"recipient", {{"id", to}}}, {"messaging_type", "RESPONSE"}, {"message", {{"text", text}}}}
      .dump();
}

absl::Status SendStatus(const ProviderResponse& response, std::string_view what) {
  if (response.status >= 200 && response.status < 300) return absl::OkStatus();
  const GraphError error = ParseGraphError(response.body);
  for (const Rule& rule : kRules) {
    if (rule.code == error.code && (rule.subcode == 0 || rule.subcode == error.subcode)) {
      return absl::Status(rule.status,
                          absl::StrCat(rule.explanation, " (", ToAbsl(what), " error ", error.code,
                                       error.subcode ? absl::StrCat("/", error.subcode) : "", ": ",
                                       error.message, ")"));
    }
  }
  return StatusFromHttp(response, what);
}

}  // namespace omni::connectors::meta
