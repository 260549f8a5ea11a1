#include "broker/store/keys.h"

#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::store {
namespace {
constexpr char kSep = '\0';
constexpr absl::string_view kSepView(&kSep, 1);

void AppendBigEndian(std::string& key, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(value >> shift));
}
}  // namespace

std::string EventPrefix(std::string_view conversation_id) {
  return absl::StrCat(ToAbsl(conversation_id), kSepView);
}

std::string EventKey(std::string_view conversation_id, uint64_t sequence) {
  std::string key = EventPrefix(conversation_id);
  AppendBigEndian(key, sequence);
  return key;
}

std::string CustomerEventPrefix(std::string_view customer_id) { return absl::StrCat(ToAbsl(customer_id), kSepView); }

std::string CustomerEventKey(std::string_view customer_id, uint64_t stored_at_micros, std::string_view event_key) {
  std::string key = CustomerEventPrefix(customer_id);
  AppendBigEndian(key, stored_at_micros);
  key.append(event_key);
  return key;
}

std::string ExpiryKey(uint64_t stored_at_micros, std::string_view event_key) {
  std::string key;
  AppendBigEndian(key, stored_at_micros);
  key.append(event_key);
  return key;
}

std::optional<std::pair<uint64_t, std::string_view>> SplitExpiryKey(std::string_view key) {
  if (key.size() < 8) return std::nullopt;
  uint64_t micros = 0;
  for (size_t i = 0; i < 8; ++i) micros = (micros << 8) | static_cast<unsigned char>(key[i]);
  return std::make_pair(micros, key.substr(8));
}

std::string AuditKey(uint64_t micros, std::string_view record_id) {
  std::string key;
  AppendBigEndian(key, micros);
  key.append(record_id);
  return key;
}

std::optional<uint64_t> SequenceOfEventKey(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != kSep) return std::nullopt;
  uint64_t sequence = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) {
    sequence = (sequence << 8) | static_cast<unsigned char>(key[i]);
  }
  return sequence;
}

std::string IdentityKey(std::string_view tenant, std::string_view provider, std::string_view handle) {
  return absl::StrCat(ToAbsl(tenant), kSepView, ToAbsl(provider), kSepView, ToAbsl(handle));
}

std::string ThreadKey(std::string_view tenant, std::string_view provider, std::string_view thread_key) {
  return absl::StrCat(ToAbsl(tenant), kSepView, ToAbsl(provider), kSepView, ToAbsl(thread_key));
}

std::string DedupeKey(std::string_view tenant, std::string_view event_id) {
  return absl::StrCat(ToAbsl(tenant), kSepView, ToAbsl(event_id));
}

std::string PendingReviewPrefix(std::string_view tenant) { return absl::StrCat(ToAbsl(tenant), kSepView, "pending", kSepView); }
std::string ScoredReviewPrefix(std::string_view tenant) { return absl::StrCat(ToAbsl(tenant), kSepView, "scored", kSepView); }
std::string AgentQualityPrefix(std::string_view tenant) { return absl::StrCat(ToAbsl(tenant), kSepView, "agent", kSepView); }

std::string PendingReviewKey(std::string_view tenant, std::string_view conversation_id) {
  return absl::StrCat(PendingReviewPrefix(tenant), ToAbsl(conversation_id));
}

std::string ScoredReviewKey(std::string_view tenant, std::string_view conversation_id) {
  return absl::StrCat(ScoredReviewPrefix(tenant), ToAbsl(conversation_id));
}

std::string AgentQualityKey(std::string_view tenant, std::string_view agent_id) {
  return absl::StrCat(AgentQualityPrefix(tenant), ToAbsl(agent_id));
}

std::string TenantKey(std::string_view tenant, std::string_view id) {
  return absl::StrCat(ToAbsl(tenant), kSepView, ToAbsl(id));
}

std::optional<std::pair<std::string_view, std::string_view>> SplitTenantKey(std::string_view key) {
  const size_t sep = key.find(kSep);
  if (sep == std::string_view::npos) return std::nullopt;
  return std::make_pair(key.substr(0, sep), key.substr(sep + 1));
}

}  // namespace omni::store
