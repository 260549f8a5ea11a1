// Debian's abseil is built with its own string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), so
// std::string_view and absl::string_view do not convert into each other. These two bridge them.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace omni {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view ToStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace omni
