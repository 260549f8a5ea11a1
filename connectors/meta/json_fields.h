// Small readers for the JSON of Meta's webhooks, shared by the WhatsApp and the Messenger
// Platform parsers (over the SDK's connectors/sdk/json_fields.h): the envelope, the
// "<where>.<field> is missing" rejection, ids and Meta's timestamps (seconds or milliseconds, as
// numbers or digit strings).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/sdk/json_fields.h"
#include "google/protobuf/timestamp.pb.h"

namespace omni::connectors::meta {

using nlohmann::json;

// The body as a JSON object whose "object" field is `expected_object`, else INVALID_ARGUMENT
// ("not a <what> webhook").
absl::StatusOr<json> ParseEnvelope(std::string_view body, std::string_view expected_object,
                                   std::string_view what);

// INVALID_ARGUMENT "<where>.<field> is missing or not <type>" (`where` is a path like
// "entry[0].changes[1].value", empty at the top).
absl::Status Missing(std::string_view where, std::string_view field, std::string_view type);

// An id Meta writes as a string or a number, as text ("" when neither).
std::string IdText(const json& parent, const char* key);

// Meta's timestamps: an integer or a digit string, in seconds or (from 1e11 on) milliseconds;
// also an ISO 8601 time ("2021-09-08T06:34:04+0000"). False when `value` is none of these.
bool ParseTimestamp(const json& value, google::protobuf::Timestamp& out);

// "<where>.<field>[<index>]", the path of an array item.
std::string Path(std::string_view where, std::string_view field, size_t index);

}  // namespace omni::connectors::meta
