#include "connectors/webchat/visitor_token.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/strings.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors::webchat {
namespace {

// Names the format in the MAC, so no MAC of the first format verifies as one of this.
constexpr std::string_view kMacContext = "omnibroker-webchat-visitor-v2:";
constexpr std::string_view kReasonPayloadUrl = "type.omnibroker.dev/webchat.token_refusal";

absl::Status Refuse(std::string_view reason, std::string_view message) {
  absl::Status status = absl::UnauthenticatedError(ToAbsl(message));
  status.SetPayload(ToAbsl(kReasonPayloadUrl), absl::Cord(ToAbsl(reason)));
  return status;
}

bool IsVisitorId(std::string_view id) {
  if (id.size() < 3 || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsHexMac(std::string_view mac) {
  if (mac.size() != 64) return false;
  for (char c : mac) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::vector<std::string_view> SplitAtDots(std::string_view token) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t dot = token.find('.');
    parts.push_back(token.substr(0, dot));
    if (dot == std::string_view::npos) return parts;
    token.remove_prefix(dot + 1);
  }
}

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string TokenRefusalReason(const absl::Status& status) {
  auto reason = status.GetPayload(ToAbsl(kReasonPayloadUrl));
  return reason ? std::string(*reason) : std::string();
}

absl::StatusOr<VisitorTokens> VisitorTokens::Create(std::string secret, Duration ttl) {
  if (secret.size() < 16) {
    return absl::InvalidArgumentError("webchat token secret must be at least 16 bytes");
  }
  if (ttl <= Duration::zero()) {
    return absl::InvalidArgumentError("webchat token lifetime must be positive");
  }
  return VisitorTokens(std::move(secret), ttl);
}

std::string VisitorTokens::NewVisitorId() const { return NewId("v_"); }

std::string VisitorTokens::Mac(std::string_view visitor_id, std::string_view expiry) const {
  const std::string message =
      absl::StrCat(ToAbsl(kMacContext), ToAbsl(visitor_id), ".", ToAbsl(expiry));
  return absl::BytesToHexString(Hmac(Digest::kSha256, secret_, message));
}

std::string VisitorTokens::Issue(std::string_view visitor_id, TimePoint now) const {
  const std::string expiry = std::to_string(UnixSeconds(now + ttl_));
  return absl::StrCat(ToAbsl(visitor_id), ".", expiry, ".", Mac(visitor_id, expiry));
}

absl::StatusOr<VisitorTokens::Verified> VisitorTokens::VerifyIgnoringExpiry(
    std::string_view token) const {
  if (token.empty()) return Refuse(kTokenMissing, "no visitor token");
  const std::vector<std::string_view> parts = SplitAtDots(token);
  if (parts.size() == 2 && IsVisitorId(parts[0]) && IsHexMac(parts[1])) {
    return Refuse(kTokenOldFormat,
                  "visitor token is of the old format, without an expiry; register again "
                  "(POST /v1/visitors)");
  }
  if (parts.size() != 3) {
    return Refuse(kTokenMalformed, "malformed visitor token: want <visitor id>.<expiry>.<mac>");
  }
  if (!IsVisitorId(parts[0])) return Refuse(kTokenMalformed, "malformed visitor id in token");
  // Digits only (no sign, no space), and few enough to fit.
  int64_t expiry = 0;
  const std::string_view digits = parts[1];
  if (digits.empty() || digits.size() > 12 ||
      std::from_chars(digits.data(), digits.data() + digits.size(), expiry).ptr !=
          digits.data() + digits.size() ||
      !absl::ascii_isdigit(static_cast<unsigned char>(digits.front()))) {
    return Refuse(kTokenMalformed, "malformed expiry in visitor token");
  }
  if (!ConstantTimeEquals(parts[2], Mac(parts[0], parts[1]))) {
    return Refuse(kTokenInvalid, "visitor token does not verify");
  }
  return Verified{std::string(parts[0]), TimePoint{} + std::chrono::seconds(expiry)};
}

absl::StatusOr<VisitorTokens::Verified> VisitorTokens::Verify(std::string_view token,
                                                              TimePoint now) const {
  auto verified = VerifyIgnoringExpiry(token);
  if (verified.ok() && now >= verified->expires_at) {
    return Refuse(kTokenExpired,
                  "visitor token expired; register again (POST /v1/visitors with the expired "
                  "token keeps the conversation while the connector remembers the visitor)");
  }
  return verified;
}

absl::StatusOr<VisitorTokens::Verified> VisitorTokens::VerifyBearer(std::string_view authorization,
                                                                    TimePoint now) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return Refuse(kTokenMissing, "missing 'Authorization: Bearer <visitor token>'");
  }
  return Verify(authorization.substr(kBearer.size()), now);
}
absl::StatusOr<std::string> ReadSecret(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read webchat token secret ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(buffer.str()));
  if (secret.size() < 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("webchat token secret in ", path, " is shorter than 16 bytes"));
  }
  return secret;
}

absl::StatusOr<std::string> LoadOrCreateSecret(const std::string& path) {
  if (std::ifstream(path)) return ReadSecret(path);
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) return absl::InternalError("no random bytes for secret");
  const std::string secret =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::trunc);
  out << secret << "\n";
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write webchat secret to ", path));
  chmod(path.c_str(), 0600);
  return secret;
}

}  // namespace omni::connectors::webchat
