// UTF-8 at the borders: protobuf refuses to parse a `string` field that is not UTF-8, so one bad
// byte from a provider (a SIP display name, a mail header) would make an event the broker cannot
// read. Connectors repair every event before it leaves (RepairUtf8); the broker checks what it
// cannot parse (IsUtf8). Well-formed means what protobuf's own check means: no overlong forms, no
// surrogates, nothing above U+10FFFF.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace omni {

bool IsUtf8(std::string_view text);

// `text` with each ill-formed sequence replaced by U+FFFD (one per maximal bad subpart, as the
// Unicode standard recommends); well-formed text comes back unchanged.
std::string ToUtf8(std::string_view text);

// Appends `code_point` to `out` in UTF-8; NUL, a surrogate or anything above U+10FFFF (none of
// which a protobuf string may hold) becomes U+FFFD.
void AppendUtf8(uint32_t code_point, std::string& out);

// Repairs every `string` field of `message`, nested messages and repeated fields included (bytes
// fields are left alone). Returns how many fields it changed.
int RepairUtf8(google::protobuf::Message& message);

}  // namespace omni
