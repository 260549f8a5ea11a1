// BrokerCore: erasing a customer on request, and the audit trail. Everything that is theirs goes
// (events on every channel, conversations and their threads, pending replies, identities and
// contact points, the record itself, and the same for customers merged into them); an audit
// record that holds only ids and counts stays, saying who asked and why, as for every
// accountable act (revocations, agent removals).
#include <set>

#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AuditRecord;
using omnibroker::v1::Conversation;
using omnibroker::v1::Customer;
using omnibroker::v1::Event;
using store::Family;

absl::StatusOr<AuditRecord> BrokerCore::EraseCustomer(const std::string& tenant,
                                                      const omnibroker::v1::EraseCustomerRequest& request) {
  if (request.requested_by().empty() || request.reason().empty()) {
    return absl::InvalidArgumentError("requested_by and reason: an erasure must say who asked and why");
  }
  OMNI_ASSIGN_OR_RETURN(Customer root, CanonicalCustomerOf(tenant, request.customer_id()));
  // The customer and everyone merged into them.
  std::vector<Customer> customers = {root};
  std::set<std::string> ids = {root.id()};
  for (size_t i = 0; i < customers.size(); ++i) {
    for (const auto& merge : customers[i].merges()) {
      if (!ids.insert(merge.customer_id()).second) continue;
      auto merged = CustomerRecord(tenant, merge.customer_id());
      if (merged.ok()) customers.push_back(*std::move(merged));
    }
  }

  rocksdb::WriteBatch batch;
  AuditRecord audit;
  auto& counts = *audit.mutable_counts();
  auto erase_event = [&](std::string_view key, const Event& event) {
    store_.Delete(batch, Family::kEvents, key);
    store_.Delete(batch, Family::kDedupe, store::DedupeKey(event.tenant(), event.id()));
    store_.Delete(batch, Family::kOutbox, event.id());
    deliveries_.erase(event.id());
    counts["events"]++;
  };
  // Their conversations: every event (also any an index would miss), the thread, the record.
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kConversations, "", false, std::nullopt, [&](std::string_view key, std::string_view value) {
    Conversation conversation;
    if (!conversation.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failed = absl::DataLossError("unparsable conversation record");
      return false;
    }
    if (!ids.contains(conversation.customer_id()) || conversation.tenant() != tenant) return true;
    auto events = store_.Scan(Family::kEvents, store::EventPrefix(conversation.id()), false, std::nullopt,
                              [&](std::string_view event_key, std::string_view event_value) {
                                Event event;
                                event.ParseFromArray(event_value.data(), static_cast<int>(event_value.size()));
                                erase_event(event_key, event);
                                return true;
                              });
    if (!events.ok()) {
      failed = events;
      return false;
    }
    const std::string thread = store::ThreadKey(conversation.tenant(), conversation.provider(), conversation.thread_key());
    if (auto owner = store_.GetRaw(Family::kThreads, thread); owner.ok() && *owner == conversation.id()) {
      store_.Delete(batch, Family::kThreads, thread);
    }
    store_.Delete(batch, Family::kConversations, key);
    counts["conversations"]++;
    // Its review too (a reviewer's comment may quote the customer); a score stays counted in the
    // agent's record, which holds only its conversation's id.
    store_.Delete(batch, Family::kQuality, store::PendingReviewKey(tenant, conversation.id()));
    store_.Delete(batch, Family::kQuality, store::ScoredReviewKey(tenant, conversation.id()));
    EndInRouting(conversation.id(), "erased");
    return true;
  }));
  OMNI_RETURN_IF_ERROR(failed);
  std::set<std::string> identity_keys;
  for (const auto& customer : customers) {
    // The history index, and whatever it points at that the conversations did not hold.
    OMNI_RETURN_IF_ERROR(store_.Scan(Family::kCustomerEvents, store::CustomerEventPrefix(customer.id()), false,
                                     std::nullopt, [&](std::string_view key, std::string_view event_key) {
                                       store_.Delete(batch, Family::kCustomerEvents, key);
                                       store_.Delete(batch, Family::kEvents, event_key);
                                       return true;
                                     }));
    for (const auto& link : customer.identities()) {
      const auto& identity = link.identity();
      std::vector<std::string> keys = {store::IdentityKey(customer.tenant(), identity.provider(), identity.handle())};
      if (!identity.phone().empty()) keys.push_back(store::IdentityKey(customer.tenant(), "tel", identity.phone()));
      if (!identity.email().empty()) keys.push_back(store::IdentityKey(customer.tenant(), "mailto", identity.email()));
      for (const auto& key : keys) {
        if (!identity_keys.insert(key).second) continue;  // two identities may share a phone
        if (auto owner = store_.GetRaw(Family::kIdentities, key); owner.ok() && owner->has_value() && ids.contains(**owner)) {
          store_.Delete(batch, Family::kIdentities, key);
          counts["identities"]++;
        }
      }
    }
    store_.Delete(batch, Family::kCustomers, customer.id());
    counts["customers"]++;
    audit.add_subjects(customer.id());
  }

  audit.set_tenant(tenant);
  audit.set_action("erase_customer");
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.reason());
  PutAudit(batch, audit);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("erasure", absl::StrCat("customer ", root.id(), " erased at the request of ", request.requested_by(), ": ",
                                  counts["events"], " events, ", counts["conversations"], " conversations"));
  return audit;
}

void BrokerCore::PutAudit(rocksdb::WriteBatch& batch, AuditRecord& audit) {
  const auto now = clock_.Now();
  audit.set_id(NewId("audit_"));
  *audit.mutable_at() = ToProto(now);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  store_.Put(batch, Family::kAudit, store::AuditKey(static_cast<uint64_t>(micros), audit.id()), audit);
}

absl::StatusOr<omnibroker::v1::ListAuditResponse> BrokerCore::ListAudit(const std::string& tenant,
                                                                        int limit) const {
  OMNI_RETURN_IF_ERROR(FindTenant(tenant).status());
  limit = limit <= 0 ? 100 : std::min(limit, 1000);
  omnibroker::v1::ListAuditResponse out;
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kAudit, "", /*reverse=*/true, std::nullopt, [&](std::string_view, std::string_view v) {
    AuditRecord record;
    if (!record.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
      failed = absl::DataLossError("unparsable audit record");
      return false;
    }
    // Records written before tenants were the one tenant's: the default one.
    const std::string& owner = record.tenant().empty() ? options_.tenant : record.tenant();
    if (owner == tenant) *out.add_records() = std::move(record);
    return out.records_size() < limit;
  }));
  OMNI_RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace omni::core
