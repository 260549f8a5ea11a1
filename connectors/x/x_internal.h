// What the two halves of the X parser share (x_parser.cc: webhook bodies, x_api_v2.cc: API v2
// responses): the event skeleton and the skip list. Not part
// of the connector's interface.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/sdk/json_fields.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::x::internal {

using nlohmann::json;

// An id: the string at `str_key` (X's id_str), else the integer at `int_key` as decimal text
// (exact: the JSON reader keeps 64-bit integers), else "".
std::string Id(const json& parent, const char* str_key, const char* int_key);

// An inbound event of `channel` and `kind` with provider and received_at set.
omnibroker::v1::Event NewEvent(omnibroker::v1::Channel channel, omnibroker::v1::EventKind kind,
                               TimePoint received_at);
void SetSender(std::string_view user_id, std::string_view name, std::string_view screen_name,
               omnibroker::v1::Event& event);
// Milliseconds since the epoch as decimal text (X's timestamp_ms, created_timestamp) into
// occurred_at; false when `millis` is not such a number.
bool SetOccurredMillis(std::string_view millis, omnibroker::v1::Event& event);
// "2022-10-07T22:42:12.000Z" into occurred_at; false when it does not parse.
bool SetOccurredRfc3339(std::string_view text, omnibroker::v1::Event& event);
// Sets the language hint unless X could not tell ("und").
void SetLanguage(std::string_view lang, omnibroker::v1::Event& event);

// The events of one body plus why items were left out (not customer messages).
struct Batch {
  std::vector<omnibroker::v1::Event> events;
  std::vector<std::string> skipped;
};

// The batch's events, or, when every item was skipped, an INVALID_ARGUMENT listing why.
absl::StatusOr<std::vector<omnibroker::v1::Event>> Finish(Batch batch);

// An X API v2 response body (it has `data` or `meta`).
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseApiV2(const json& body,
                                                              std::string_view account_id,
                                                              TimePoint received_at);

}  // namespace omni::connectors::x::internal
