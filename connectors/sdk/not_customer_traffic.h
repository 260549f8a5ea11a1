// A provider request that carries no customer message, only traffic of a kind the provider
// documents as something else (a WhatsApp account_update, a Messenger optin, a Telegram
// my_chat_member, a Viber seen, a VK group_join). A channel's parser says so by returning
// NotCustomerTraffic(kind, why) instead of events: the WebhookEndpoint answers it 200 (providers
// count a 4xx as a failed delivery and, after many, switch the webhook off) and counts it by kind
// (Dropped(), exported as omni_webhook_dropped_total{connector,type}); nothing is published, and
// `omni-gateway normalize` prints why. Each channel keeps the one list of the kinds it drops so;
// what it does not know, or a known message kind that is malformed, stays an INVALID_ARGUMENT
// (400). `kind` is a label: a name from that list, never text taken from the request.
// Header-only, so the parsers' fuzz targets need no more sources.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::connectors {

inline constexpr std::string_view kNotCustomerTrafficPayload =
    "type.omnibroker.dev/not-customer-traffic";

// UNIMPLEMENTED (the connector routes nothing of this kind) "not customer traffic (<kind>): <why>",
// carrying `kind` for the endpoint.
inline absl::Status NotCustomerTraffic(std::string_view kind, std::string_view why) {
  absl::Status status(absl::StatusCode::kUnimplemented,
                      absl::StrCat("not customer traffic (", ToAbsl(kind), "): ", ToAbsl(why)));
  status.SetPayload(ToAbsl(kNotCustomerTrafficPayload), absl::Cord(ToAbsl(kind)));
  return status;
}

// The kind a NotCustomerTraffic status names; nullopt for every other status.
inline std::optional<std::string> NotCustomerTrafficKind(const absl::Status& status) {
  const auto kind = status.GetPayload(ToAbsl(kNotCustomerTrafficPayload));  // absl::optional
  if (!kind.has_value()) return std::nullopt;
  return std::string(*kind);
}

// `name` as `listed` spells it when the list has it, nullopt otherwise: how a channel looks a
// request's kind up in its one list, so the label it counts under comes from the list.
inline std::optional<std::string_view> ListedKind(std::span<const std::string_view> listed,
                                                  std::string_view name) {
  for (std::string_view kind : listed) {
    if (kind == name) return kind;
  }
  return std::nullopt;
}

}  // namespace omni::connectors
