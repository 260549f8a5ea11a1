// Random identifiers for things omnibroker creates itself (customers, conversations, offers).
// Provider-derived ids (event ids) are made by connectors, never here.
#pragma once

#include <string>
#include <string_view>

namespace omni {

// `prefix` + 128 random bits in hex, e.g. "conv_3f9a…". Thread-safe.
std::string NewId(std::string_view prefix);

}  // namespace omni
