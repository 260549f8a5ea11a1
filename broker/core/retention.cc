// BrokerCore: retention. Events older than their tenant's `events_days` are deleted (with their
// history index entries); references to sensitive attachments (identity documents, card data)
// older than `sensitive_attachment_days` are purged from the events that carry them. The expiry
// family lists stored events oldest first, so a sweep reads only what is old enough to matter.
// Token revocations that lapsed go in the same sweep (revocations.cc).
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Event;
using store::Family;

namespace {

constexpr uint64_t kMicrosPerDay = 24ull * 60 * 60 * 1'000'000;

}  // namespace

absl::StatusOr<omnibroker::v1::RetentionResult> BrokerCore::SweepRetention(int limit) {
  const uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch()).count());
  auto policy_for = [&](const std::string& tenant) -> const RetentionPolicy& {
    static const RetentionPolicy kKeepAll{.events_days = 0, .sensitive_attachment_days = 0};
    if (auto it = options_.retention.find(tenant); it != options_.retention.end()) return it->second;
    if (auto it = options_.retention.find("*"); it != options_.retention.end()) return it->second;
    return kKeepAll;
  };
  // Nothing younger than the shortest horizon is due for anyone.
  uint64_t shortest = UINT64_MAX;
  for (const auto& [tenant, p] : options_.retention) {
    if (p.events_days > 0) shortest = std::min<uint64_t>(shortest, p.events_days * kMicrosPerDay);
    if (p.sensitive_attachment_days > 0) shortest = std::min<uint64_t>(shortest, p.sensitive_attachment_days * kMicrosPerDay);
  }
  omnibroker::v1::RetentionResult result;
  OMNI_ASSIGN_OR_RETURN(const int64_t revocations_dropped, DropLapsedRevocations());
  result.set_revocations_dropped(revocations_dropped);
  if (shortest == UINT64_MAX || shortest > now) return result;
  const uint64_t horizon = now - shortest;

  rocksdb::WriteBatch batch;
  int visited = 0;
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kExpiry, "", false, std::nullopt, [&](std::string_view key, std::string_view tenant) {
    auto parts = store::SplitExpiryKey(key);
    if (!parts || parts->first >= horizon) return false;
    if (++visited > limit) {
      result.set_more(true);
      return false;
    }
    const auto [stored_at, event_key] = *parts;
    const RetentionPolicy& policy = policy_for(std::string(tenant));
    const uint64_t age = now - stored_at;
    Event event;
    auto found = store_.Get(Family::kEvents, event_key, event);
    if (!found.ok()) {
      failed = found.status();
      return false;
    }
    if (!*found) {  // erased meanwhile
      store_.Delete(batch, Family::kExpiry, key);
      return true;
    }
    if (policy.events_days > 0 && age >= policy.events_days * kMicrosPerDay) {
      store_.Delete(batch, Family::kEvents, event_key);
      store_.Delete(batch, Family::kCustomerEvents, store::CustomerEventKey(event.customer_id(), stored_at, event_key));
      store_.Delete(batch, Family::kExpiry, key);
      result.set_events_deleted(result.events_deleted() + 1);
      return true;
    }
    bool sensitive_due = false;
    if (policy.sensitive_attachment_days > 0 && age >= policy.sensitive_attachment_days * kMicrosPerDay) {
      bool purged = false;
      for (auto& attachment : *event.mutable_content()->mutable_attachments()) {
        if (!attachment.sensitive() || attachment.url().empty()) continue;
        attachment.clear_url();
        attachment.set_filename("(purged after its retention)");
        result.set_attachments_purged(result.attachments_purged() + 1);
        purged = true;
      }
      if (purged) store_.Put(batch, Family::kEvents, event_key, event);
    } else if (policy.sensitive_attachment_days > 0) {
      sensitive_due = true;  // not yet
    }
    // Nothing more will ever be due for this event under the policy: stop listing it.
    if (policy.events_days == 0 && !sensitive_due) store_.Delete(batch, Family::kExpiry, key);
    return true;
  }));
  OMNI_RETURN_IF_ERROR(failed);
  if (batch.Count() > 0) {
    OMNI_RETURN_IF_ERROR(store_.Write(batch));
  }
  if (result.events_deleted() > 0 || result.attachments_purged() > 0) {
    LogInfo("retention", absl::StrCat(result.events_deleted(), " events deleted, ", result.attachments_purged(),
                                      " sensitive attachments purged"));
  }
  return result;
}

}  // namespace omni::core
