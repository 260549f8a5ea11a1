// InlineId: a conversation id kept inside the routing engine's record, not in an allocation of its
// own. The broker's ids ("conv_" and 32 hex digits, NewId) are longer than a std::string's short
// buffer, so as std::string every lookup compared bytes in a separate, usually cold, allocation
// and every close freed it; inline they sit in the record's first cache line. Longer ids still
// work (they spill to the heap).
#pragma once

#include <string_view>

#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"

namespace omni::routing {

class InlineId {
 public:
  explicit InlineId(std::string_view id) : chars_(id.begin(), id.end()) {}
  std::string_view view() const { return {chars_.data(), chars_.size()}; }
  operator std::string_view() const { return view(); }  // NOLINT: ids are compared as text

 private:
  absl::InlinedVector<char, 40> chars_;
};

// Hash and equality over the text, so maps keyed by InlineId are looked up by any string.
struct InlineIdHash {
  using is_transparent = void;
  size_t operator()(std::string_view id) const { return absl::Hash<std::string_view>{}(id); }
};
struct InlineIdEq {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const { return a == b; }
};

}  // namespace omni::routing
