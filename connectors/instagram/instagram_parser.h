// The Instagram connector's pure part: an Instagram Messaging webhook body ("object":"instagram")
// -> omnibroker Events, or a clear error naming the field. The parsing itself is the Messenger
// Platform parser Messenger and Instagram share (connectors/meta/messaging_parser.h, which lists
// the kinds, ids and thread key); this names the platform. No I/O; tested on
// tests/corpus/instagram.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/meta/messaging_parser.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::instagram {

inline constexpr std::string_view kProvider = "instagram";
inline constexpr meta::MessagingPlatform kPlatform{kProvider, "instagram", "Instagram Messaging"};

// The events of a webhook body; the kinds of the notices dropped beside them go to `dropped`
// when given (a body of notices only is NotCustomerTraffic).
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(
    std::string_view body, TimePoint received_at, std::vector<std::string>* dropped = nullptr);

}  // namespace omni::connectors::instagram
