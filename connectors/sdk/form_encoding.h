// application/x-www-form-urlencoded, as providers post it (Twilio's webhooks) and put it in query
// strings (Meta's handshake): one decoder for every channel.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/numbers.h"
#include "base/strings.h"

namespace omni::connectors {

// '+' is a space, %XX a byte; a malformed escape is kept as is.
inline std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int byte = 0;
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && absl::SimpleHexAtoi(ToAbsl(s.substr(i + 1, 2)), &byte)) {
      out += static_cast<char>(byte);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace omni::connectors
