#include "connectors/meta/json_fields.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/strings.h"

namespace omni::connectors::meta {

absl::StatusOr<json> ParseEnvelope(std::string_view body, std::string_view expected_object,
                                   std::string_view what) {
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return absl::InvalidArgumentError("body is not valid JSON");
  if (!root.is_object()) return absl::InvalidArgumentError("body must be a JSON object");
  const std::string object = String(root, "object");
  if (object != expected_object) {
    return absl::InvalidArgumentError(absl::StrCat("object is '", object, "', not '",
                                                   ToAbsl(expected_object), "': not a ",
                                                   ToAbsl(what), " webhook"));
  }
  return root;
}

absl::Status Missing(std::string_view where, std::string_view field, std::string_view type) {
  return MissingField(where.empty() ? std::string() : absl::StrCat(ToAbsl(where), "."), field,
                      type);
}

std::string IdText(const json& parent, const char* key) {
  auto it = parent.find(key);
  if (it == parent.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return "";
}

bool ParseTimestamp(const json& value, google::protobuf::Timestamp& out) {
  int64_t number = 0;
  if (value.is_number_integer()) {
    number = value.get<int64_t>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (!absl::SimpleAtoi(text, &number)) {
      absl::Time time;
      std::string error;
      if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S%z", text, &time, &error)) return false;
      out.set_seconds(absl::ToUnixSeconds(time));
      return true;
    }
  } else {
    return false;
  }
  if (number <= 0) return false;
  constexpr int64_t kMillisecondsFrom = 100'000'000'000;  // 1e11 s is the year 5138
  if (number >= kMillisecondsFrom) {
    out.set_seconds(number / 1000);
    out.set_nanos(static_cast<int32_t>(number % 1000) * 1'000'000);
  } else {
    out.set_seconds(number);
    out.set_nanos(0);
  }
  // google.protobuf.Timestamp ends with the year 9999.
  return out.seconds() <= 253'402'300'799;
}

std::string Path(std::string_view where, std::string_view field, size_t index) {
  return absl::StrCat(ToAbsl(where), where.empty() ? "" : ".", ToAbsl(field), "[", index, "]");
}

}  // namespace omni::connectors::meta
