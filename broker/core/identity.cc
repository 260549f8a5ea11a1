// BrokerCore: the identity graph. A customer has identities on many providers; the same verified
// phone or email joins them automatically, Admin merges and unmerges customers by hand, and every
// link and merge keeps its provenance. A merged customer stands for both: routing, history and
// new events use it.
#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/ids.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::Customer;
using omnibroker::v1::Event;
using omnibroker::v1::Identity;
using store::Family;

namespace {

// Identities keys for the contact points an identity vouches for: ("tel", +E.164) and
// ("mailto", lower-case address). Unverified contact points link nothing.
std::vector<std::pair<std::string, std::string>> VerifiedContacts(const Identity& identity) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!identity.verified()) return out;
  const std::string& phone = identity.phone();
  const bool e164 = phone.size() >= 8 && phone.size() <= 16 && phone[0] == '+' &&
                    std::all_of(phone.begin() + 1, phone.end(), [](char c) { return absl::ascii_isdigit(c); });
  if (e164) out.emplace_back("tel", phone);
  const std::string email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(identity.email()));
  if (email.find('@') != std::string::npos && email.find('@') > 0 && email.find('@') + 1 < email.size()) {
    out.emplace_back("mailto", email);
  }
  return out;
}

// The provenance of a link made because a verified contact point ("tel"/"mailto") matched.
std::string SameContact(const std::string& kind) {
  return absl::StrCat("ingest: same verified ", kind == "tel" ? "phone" : "email");
}

void Link(Customer& customer, const Identity& identity, const std::string& by, const std::string& event_id,
          const google::protobuf::Timestamp& at) {
  auto* link = customer.add_identities();
  *link->mutable_identity() = identity;
  link->set_linked_by(by);
  *link->mutable_linked_at() = at;
  link->set_source_event_id(event_id);
}

}  // namespace

absl::StatusOr<Customer> BrokerCore::StoredCustomer(const std::string& customer_id) const {
  Customer customer;
  OMNI_ASSIGN_OR_RETURN(bool found, store_.Get(Family::kCustomers, customer_id, customer));
  if (!found) return absl::NotFoundError(absl::StrCat("customer_id: no customer '", customer_id, "'"));
  return customer;
}

absl::StatusOr<Customer> BrokerCore::CustomerRecord(const std::string& tenant,
                                                    const std::string& customer_id) const {
  auto customer = StoredCustomer(customer_id);
  if (customer.ok() && customer->tenant() != tenant) {
    // Another tenant's customer is answered as no customer at all.
    return absl::NotFoundError(absl::StrCat("customer_id: no customer '", customer_id, "'"));
  }
  return customer;
}

absl::StatusOr<Customer> BrokerCore::CanonicalCustomerOf(const std::string& tenant,
                                                         const std::string& customer_id) const {
  // Merges never cross tenants, so whom a tenant's customer was merged into is the tenant's too.
  OMNI_RETURN_IF_ERROR(CustomerRecord(tenant, customer_id).status());
  return CanonicalCustomer(customer_id);
}

absl::StatusOr<Customer> BrokerCore::CanonicalCustomer(const std::string& customer_id) const {
  std::string id = customer_id;
  for (int hop = 0; hop < 16; ++hop) {
    OMNI_ASSIGN_OR_RETURN(Customer customer, StoredCustomer(id));
    if (customer.merged_into().empty()) return customer;
    id = customer.merged_into();
  }
  return absl::DataLossError(absl::StrCat("customer ", customer_id, ": merges form a loop"));
}

absl::StatusOr<Customer> BrokerCore::ResolveCustomer(const Event& event, rocksdb::WriteBatch& batch, bool& created) {
  const auto& sender = event.sender();
  const auto now = ToProto(clock_.Now());
  const std::string handle_key = store::IdentityKey(event.tenant(), sender.provider(), sender.handle());
  OMNI_ASSIGN_OR_RETURN(auto by_handle, store_.GetRaw(Family::kIdentities, handle_key));

  std::optional<Customer> customer;
  if (by_handle.has_value()) {
    auto known = CanonicalCustomer(*by_handle);
    if (known.ok()) customer = *std::move(known);
    else if (!absl::IsNotFound(known.status())) return known.status();
  }
  // The contact points this identity vouches for, and whom they already belong to.
  const auto contacts = VerifiedContacts(sender);
  std::vector<std::string> contact_keys;
  std::vector<std::optional<Customer>> contact_owners;
  for (const auto& [kind, value] : contacts) {
    contact_keys.push_back(store::IdentityKey(event.tenant(), kind, value));
    OMNI_ASSIGN_OR_RETURN(auto owner_id, store_.GetRaw(Family::kIdentities, contact_keys.back()));
    std::optional<Customer> owner;
    if (owner_id.has_value()) {
      auto canonical = CanonicalCustomer(*owner_id);
      if (canonical.ok()) owner = *std::move(canonical);
    }
    contact_owners.push_back(std::move(owner));
  }

  bool changed = false;
  if (!customer) {
    // A known verified contact point: the same person on a new provider.
    for (size_t i = 0; i < contacts.size() && !customer; ++i) {
      if (!contact_owners[i]) continue;
      customer = contact_owners[i];
      Link(*customer, sender, SameContact(contacts[i].first), event.id(), now);
      changed = true;
    }
  }
  if (!customer) {
    customer.emplace();
    customer->set_id(by_handle.has_value() ? *by_handle : NewId("cus_"));
    customer->set_tenant(event.tenant());
    customer->set_display_name(sender.display_name());
    customer->set_tier(omnibroker::v1::TIER_STANDARD);
    customer->set_preferred_language(event.language());
    *customer->mutable_created_at() = now;
    Link(*customer, sender, "ingest", event.id(), now);
    created = changed = true;
  }
  std::set<std::string> merged;
  for (size_t i = 0; i < contacts.size(); ++i) {
    const auto& owner = contact_owners[i];
    if (owner && owner->id() != customer->id() && merged.insert(owner->id()).second) {
      // Two customers share a verified contact point: they are one person.
      Customer from = *owner;
      OMNI_RETURN_IF_ERROR(PrepareMerge(from, *customer, SameContact(contacts[i].first), absl::StrCat("event ", event.id()), batch));
      changed = true;
    }
    if (!owner || owner->id() != customer->id()) store_.Put(batch, Family::kIdentities, contact_keys[i], customer->id());
  }
  // A new handle is linked; a known one keeps pointing at its customer (merged or not).
  if (!by_handle.has_value()) store_.Put(batch, Family::kIdentities, handle_key, customer->id());
  if (changed) store_.Put(batch, Family::kCustomers, customer->id(), *customer);
  return *customer;
}

absl::Status BrokerCore::PrepareMerge(Customer& from, Customer& into, const std::string& by, const std::string& reason,
                                      rocksdb::WriteBatch& batch) {
  from.set_merged_into(into.id());
  auto* merge = into.add_merges();
  merge->set_customer_id(from.id());
  merge->set_merged_by(by);
  *merge->mutable_merged_at() = ToProto(clock_.Now());
  merge->set_reason(reason);
  store_.Put(batch, Family::kCustomers, from.id(), from);
  store_.Put(batch, Family::kCustomers, into.id(), into);
  // Their history becomes one: move `from`'s index entries under `into`, keeping their order.
  const std::string prefix = store::CustomerEventPrefix(from.id());
  return store_.Scan(Family::kCustomerEvents, prefix, false, std::nullopt, [&](std::string_view key, std::string_view value) {
    store_.Put(batch, Family::kCustomerEvents, store::CustomerEventPrefix(into.id()) + std::string(key.substr(prefix.size())),
               value);
    store_.Delete(batch, Family::kCustomerEvents, key);
    return true;
  });
}

absl::StatusOr<Customer> BrokerCore::MergeCustomers(const std::string& tenant,
                                                    const omnibroker::v1::MergeCustomersRequest& request) {
  if (request.from_customer_id() == request.into_customer_id()) {
    return absl::InvalidArgumentError("from_customer_id and into_customer_id: must be two customers");
  }
  OMNI_ASSIGN_OR_RETURN(Customer from, CustomerRecord(tenant, request.from_customer_id()));
  if (!from.merged_into().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("customer ", from.id(), " is already merged into ", from.merged_into()));
  }
  OMNI_ASSIGN_OR_RETURN(Customer into, CanonicalCustomerOf(tenant, request.into_customer_id()));
  if (into.id() == from.id()) return absl::InvalidArgumentError("the two customers are already one");
  rocksdb::WriteBatch batch;
  OMNI_RETURN_IF_ERROR(PrepareMerge(from, into, absl::StrCat("admin:", request.requested_by()), request.reason(), batch));
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("identity", absl::StrCat("customer ", from.id(), " merged into ", into.id(), " by ", request.requested_by()));
  RerouteWaiting(from.id());
  return into;
}

absl::StatusOr<Customer> BrokerCore::UnmergeCustomer(const std::string& tenant,
                                                     const omnibroker::v1::UnmergeCustomerRequest& request) {
  OMNI_ASSIGN_OR_RETURN(Customer customer, CustomerRecord(tenant, request.customer_id()));
  if (customer.merged_into().empty()) {
    return absl::FailedPreconditionError(absl::StrCat("customer ", customer.id(), " is not merged into anyone"));
  }
  OMNI_ASSIGN_OR_RETURN(Customer into, CustomerRecord(tenant, customer.merged_into()));
  customer.clear_merged_into();
  auto* merges = into.mutable_merges();
  merges->erase(std::remove_if(merges->begin(), merges->end(),
                               [&](const auto& m) { return m.customer_id() == customer.id(); }),
                merges->end());
  // Back to the customer: the events their own identities sent (including since the merge).
  std::set<std::string> own;
  for (const auto& link : customer.identities()) {
    own.insert(store::IdentityKey("", link.identity().provider(), link.identity().handle()));
  }
  rocksdb::WriteBatch batch;
  const std::string prefix = store::CustomerEventPrefix(into.id());
  absl::Status failed;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kCustomerEvents, prefix, false, std::nullopt,
                                   [&](std::string_view key, std::string_view event_key) {
    Event event;
    auto got = store_.Get(Family::kEvents, event_key, event);
    if (!got.ok()) {
      failed = got.status();
      return false;
    }
    if (*got && own.contains(store::IdentityKey("", event.sender().provider(), event.sender().handle()))) {
      store_.Put(batch, Family::kCustomerEvents,
                 store::CustomerEventPrefix(customer.id()) + std::string(key.substr(prefix.size())), event_key);
      store_.Delete(batch, Family::kCustomerEvents, key);
    }
    return true;
  }));
  OMNI_RETURN_IF_ERROR(failed);
  store_.Put(batch, Family::kCustomers, customer.id(), customer);
  store_.Put(batch, Family::kCustomers, into.id(), into);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("identity", absl::StrCat("customer ", customer.id(), " unmerged from ", into.id(), " by ", request.requested_by()));
  RerouteWaiting(customer.id());
  return customer;
}

void BrokerCore::RerouteWaiting(const std::string& customer_id) {
  for (auto& [id, conversation] : open_) {
    if (conversation.customer_id() != customer_id ||
        (conversation.state() != omnibroker::v1::CONVERSATION_STATE_QUEUED &&
         conversation.state() != omnibroker::v1::CONVERSATION_STATE_OFFERED)) {
      continue;
    }
    Tenant* t = TenantOf(conversation);
    if (t != nullptr) t->routing.Requalify(WorkItemFor(*t, conversation), clock_.Now());
  }
}

}  // namespace omni::core
