#include "connectors/webchat/visitor_token.h"

#include <openssl/rand.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/strings.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors::webchat {
namespace {

constexpr std::string_view kMacContext = "omnibroker-webchat-visitor:";

bool IsVisitorId(std::string_view id) {
  if (id.size() < 3 || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<VisitorTokens> VisitorTokens::Create(std::string secret) {
  if (secret.size() < 16) {
    return absl::InvalidArgumentError("webchat token secret must be at least 16 bytes");
  }
  return VisitorTokens(std::move(secret));
}

std::string VisitorTokens::NewVisitorId() const { return NewId("v_"); }

std::string VisitorTokens::Mac(std::string_view visitor_id) const {
  const std::string message = absl::StrCat(ToAbsl(kMacContext), ToAbsl(visitor_id));
  return absl::BytesToHexString(Hmac(Digest::kSha256, secret_, message));
}

std::string VisitorTokens::Issue(std::string_view visitor_id) const {
  return absl::StrCat(ToAbsl(visitor_id), ".", Mac(visitor_id));
}

absl::StatusOr<std::string> VisitorTokens::Verify(std::string_view token) const {
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return absl::UnauthenticatedError("malformed visitor token");
  const std::string_view id = token.substr(0, dot);
  const std::string_view mac = token.substr(dot + 1);
  if (!IsVisitorId(id)) return absl::UnauthenticatedError("malformed visitor id in token");
  if (!ConstantTimeEquals(mac, Mac(id))) {
    return absl::UnauthenticatedError("visitor token does not verify");
  }
  return std::string(id);
}

absl::StatusOr<std::string> VisitorTokens::VerifyBearer(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) {
    return absl::UnauthenticatedError("missing 'Authorization: Bearer <visitor token>'");
  }
  return Verify(authorization.substr(kBearer.size()));
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
