#include "base/curve_keys.h"

#include <zmq.h>

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"

namespace omni {
namespace {
constexpr size_t kZ85KeyChars = 40;
}  // namespace

bool CurveAvailable() { return zmq_has("curve") != 0; }

absl::StatusOr<CurveKeyPair> GenerateCurveKeyPair() {
  std::array<char, kZ85KeyChars + 1> public_key{};
  std::array<char, kZ85KeyChars + 1> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot make a CURVE key pair: ", zmq_strerror(zmq_errno())));
  }
  return CurveKeyPair{public_key.data(), secret_key.data()};
}

absl::Status CheckCurveKey(std::string_view what, std::string_view key) {
  if (key.size() != kZ85KeyChars) {
    return absl::InvalidArgumentError(absl::StrCat(ToAbsl(what), ": a CURVE key is ", kZ85KeyChars,
                                                   " Z85 characters, this one has ", key.size()));
  }
  std::array<uint8_t, 32> bytes{};
  const std::string text(key);
  if (zmq_z85_decode(bytes.data(), text.c_str()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": not a Z85 key (a character outside Z85)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CurvePublicKey(std::string_view what, std::string_view secret_key) {
  if (auto s = CheckCurveKey(what, secret_key); !s.ok()) return s;
  std::array<char, kZ85KeyChars + 1> public_key{};
  const std::string secret(secret_key);
  if (zmq_curve_public(public_key.data(), secret.c_str()) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(what), ": cannot derive its public key: ", zmq_strerror(zmq_errno())));
  }
  return std::string(public_key.data());
}

absl::StatusOr<std::vector<std::string>> ParseCurveKeyList(std::string_view what,
                                                           std::string_view text) {
  std::vector<std::string> keys;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(ToAbsl(text), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    // "#" is a Z85 character too: a comment is a line of its own, or follows the key after a
    // space (Z85 has none).
    if (line.empty() || line.front() == '#') continue;
    line = line.substr(0, line.find_first_of(" \t"));
    if (auto s = CheckCurveKey(absl::StrCat(ToAbsl(what), " line ", line_number), ToStd(line));
        !s.ok()) {
      return s;
    }
    keys.emplace_back(line);
  }
  return keys;
}

}  // namespace omni
