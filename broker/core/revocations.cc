// BrokerCore: token revocations, kept in the meta family so that they outlive a restart, each
// with the audit record of who revoked what and why, and dropped once they lapse (every token
// they revoke has expired anyway). The authenticator (broker/auth) holds the copy that calls are
// checked against; the core is only their store.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/meta_keys.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::TokenRevocation;
using store::Family;

namespace {

// One per agent (meta_keys.h): a later revocation of their tokens replaces the earlier one.
std::string RevocationKey(const TokenRevocation& revocation) {
  return revocation.token_id().empty() ? AgentRevocationKey(revocation.tenant(), revocation.agent_id())
                                       : TokenRevocationKey(revocation.token_id());
}

}  // namespace

void BrokerCore::PutRevocation(rocksdb::WriteBatch& batch, const TokenRevocation& revocation) {
  store_.Put(batch, Family::kMeta, RevocationKey(revocation), revocation);
}

absl::StatusOr<TokenRevocation> BrokerCore::RevokeTokens(TokenRevocation revocation) {
  if (revocation.requested_by().empty() || revocation.reason().empty()) {
    return absl::InvalidArgumentError(
        "requested_by and reason: a revocation must say who asked and why");
  }
  OMNI_RETURN_IF_ERROR(FindTenant(revocation.tenant()).status());
  const std::string& subject =
      revocation.token_id().empty() ? revocation.agent_id() : revocation.token_id();
  rocksdb::WriteBatch batch;
  omnibroker::v1::AuditRecord audit;
  audit.set_tenant(revocation.tenant());
  audit.set_action("revoke_tokens");
  audit.add_subjects(subject);
  audit.set_requested_by(revocation.requested_by());
  audit.set_reason(revocation.reason());
  PutAudit(batch, audit);
  revocation.set_audit_id(audit.id());
  PutRevocation(batch, revocation);
  // Admin answers once this is synced: a revocation the admin is told of is one a power cut keeps.
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("auth", absl::StrCat(revocation.token_id().empty() ? "every token of agent " : "token ",
                               subject, " revoked at the request of ", revocation.requested_by()));
  return revocation;
}

absl::StatusOr<omnibroker::v1::ListRevocationsResponse> BrokerCore::Revocations(
    const std::string& tenant) const {
  OMNI_RETURN_IF_ERROR(FindTenant(tenant).status());
  return RevocationsOf(tenant);
}

absl::StatusOr<omnibroker::v1::ListRevocationsResponse> BrokerCore::RevocationsInForce() const {
  return RevocationsOf(std::nullopt);
}

absl::StatusOr<omnibroker::v1::ListRevocationsResponse> BrokerCore::RevocationsOf(
    const std::optional<std::string>& tenant) const {
  const TimePoint now = clock_.Now();
  omnibroker::v1::ListRevocationsResponse out;
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(
      store_.Scan(Family::kMeta, kRevocationPrefix, false, std::nullopt,
                  [&](std::string_view, std::string_view value) {
                    TokenRevocation revocation;
                    if (!revocation.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                      failed = absl::DataLossError("unparsable token revocation record");
                      return false;
                    }
                    if (tenant && revocation.tenant() != *tenant) return true;
                    if (FromProto(revocation.lapses_at()) > now) {
                      *out.add_revocations() = std::move(revocation);
                    }
                    return true;
                  }));
  OMNI_RETURN_IF_ERROR(failed);
  std::stable_sort(out.mutable_revocations()->begin(), out.mutable_revocations()->end(),
                   [](const TokenRevocation& a, const TokenRevocation& b) {
                     return FromProto(a.revoked_at()) < FromProto(b.revoked_at());
                   });
  return out;
}

absl::StatusOr<int64_t> BrokerCore::DropLapsedRevocations() {
  const TimePoint now = clock_.Now();
  rocksdb::WriteBatch batch;
  int64_t dropped = 0;
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(
      store_.Scan(Family::kMeta, kRevocationPrefix, false, std::nullopt,
                  [&](std::string_view key, std::string_view value) {
                    TokenRevocation revocation;
                    if (!revocation.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                      failed = absl::DataLossError("unparsable token revocation record");
                      return false;
                    }
                    if (FromProto(revocation.lapses_at()) <= now) {
                      store_.Delete(batch, Family::kMeta, key);
                      ++dropped;
                    }
                    return true;
                  }));
  OMNI_RETURN_IF_ERROR(failed);
  if (dropped > 0) OMNI_RETURN_IF_ERROR(store_.Write(batch));
  return dropped;
}

}  // namespace omni::core
