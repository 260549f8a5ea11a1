// Reading provider JSON (nlohmann) without exceptions: typed field access that yields null or ""
// for an absent or wrongly typed field, and the one wording of a parser's rejection for a field
// that is missing. Every webhook parser reads its payload with these.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::connectors {

// INVALID_ARGUMENT "<where><field> is missing or not <type>"; `where` is the path so far, ending in
// its separator ("message.", "entry[0].") or empty at the top.
inline absl::Status MissingField(std::string_view where, std::string_view field,
                                 std::string_view type) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(where), ToAbsl(field), " is missing or not ", ToAbsl(type)));
}

// The object at `key`, or nullptr when absent or not an object.
inline const nlohmann::json* Object(const nlohmann::json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_object() ? &*it : nullptr;
}

// The array at `key`, or nullptr when absent or not an array.
inline const nlohmann::json* Array(const nlohmann::json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_array() ? &*it : nullptr;
}

// The string at `key`, or "" when absent or not a string.
inline std::string String(const nlohmann::json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_string() ? it->get<std::string>() : "";
}

// The boolean at `key`, false when absent or not a boolean (json::value() would throw).
inline bool Bool(const nlohmann::json& parent, const char* key) {
  auto it = parent.find(key);
  return it != parent.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace omni::connectors
