// The Messenger connector's pure part: a Messenger Platform webhook body ("object":"page") ->
// omnibroker Events, or a clear error naming the field. The parsing itself is the Messenger
// Platform parser Messenger and Instagram share (connectors/meta/messaging_parser.h, which lists
// the kinds, ids and thread key); this names the platform. No I/O; tested on
// tests/corpus/messenger.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/meta/messaging_parser.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::messenger {

inline constexpr std::string_view kProvider = "messenger";
inline constexpr meta::MessagingPlatform kPlatform{kProvider, "page", "Messenger"};

// The events of a webhook body; the kinds of the notices dropped beside them go to `dropped`
// when given (a body of notices only is NotCustomerTraffic).
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseWebhook(
    std::string_view body, TimePoint received_at, std::vector<std::string>* dropped = nullptr);

}  // namespace omni::connectors::messenger
