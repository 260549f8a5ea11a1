// CURVE keys for the ZeroMQ link between connectors and the broker, in ZeroMQ's Z85 text form (40
// characters for 32 bytes). A key pair's public half is always derived from its secret, so a
// configuration names only secrets and the peer's public key, and a pair cannot be mismatched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace omni {

struct CurveKeyPair {
  std::string public_key;  // Z85
  std::string secret_key;  // Z85
};

// What a connector needs to reach a broker that requires CURVE; both empty = no CURVE.
struct CurveClientKeys {
  std::string server_public_key;  // the broker's public key (Z85)
  std::string secret_key;         // this connector's (Z85); its public half goes in the allow-list

  bool enabled() const { return !server_public_key.empty(); }
};

// Whether this libzmq was built with CURVE (libsodium); Debian's is.
bool CurveAvailable();

// A fresh key pair from libsodium's random source.
absl::StatusOr<CurveKeyPair> GenerateCurveKeyPair();

// OK when `key` is a Z85 CURVE key; the error says what is wrong (`what` names it: "broker
// public key", "allowed_client_keys[2]"…).
absl::Status CheckCurveKey(std::string_view what, std::string_view key);

// The public key of a Z85 secret key.
absl::StatusOr<std::string> CurvePublicKey(std::string_view what, std::string_view secret_key);

// Keys one a line, as in an allow-list file: blank lines and lines starting with "#" are skipped,
// and anything after the key and a space is a comment (a gateway's name). `what` names
// the source in errors, with the line number.
absl::StatusOr<std::vector<std::string>> ParseCurveKeyList(std::string_view what,
                                                           std::string_view text);

}  // namespace omni
