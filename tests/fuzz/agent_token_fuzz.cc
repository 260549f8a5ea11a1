// libFuzzer target: agent token verification on arbitrary bytes, both as a whole token and as
// the payload of a correctly signed one (so the claims parser is reached past the signature).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/tenant_name.h"
#include "broker/auth/agent_token.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

constexpr char kSecret[] = "fuzz-secret-fuzz-secret-fuzz-secret";

void Check(std::string_view token) {
  omni::auth::TokenFailure failure{};
  const auto claims = omni::auth::VerifyAgentToken(
      token, kSecret, omni::TimePoint{} + std::chrono::seconds(1'800'000'000),
      std::chrono::seconds(60), omni::auth::kDefaultMaxTokenLifetime, &failure);
  if (claims.ok()) {
    omni::fuzz::Require(!claims->agent_id.empty());
    // One tenant by its name, or every tenant for an operator only.
    omni::fuzz::Require(claims->role == omni::auth::Role::kOperator
                            ? claims->tenant == omni::kAnyTenant
                            : omni::IsTenantName(claims->tenant));
  } else {
    omni::fuzz::Require(claims.status().code() == absl::StatusCode::kUnauthenticated);
    omni::fuzz::Require(!claims.status().message().empty());
    omni::fuzz::Require(!omni::auth::TokenFailureName(failure).empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Check(bytes);
  Check(omni::auth::SignedToken(R"({"alg":"HS256","typ":"JWT"})", bytes, kSecret));
  return 0;
}
