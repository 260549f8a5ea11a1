// Random identifiers for things omnibroker creates itself (customers, conversations, offers).
// Provider-derived ids (event ids) are made by connectors, never here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace omni {

// `prefix` + 128 random bits in hex, e.g. "conv_3f9a…". Thread-safe.
std::string NewId(std::string_view prefix);

// 64 random bits (a start for ids that count up). Thread-safe.
uint64_t RandomUint64();

// `v` as 16 lower-case hex digits, and appended to `out`.
std::array<char, 16> Hex64(uint64_t v);
void AppendHex64(std::string& out, uint64_t v);

}  // namespace omni
