// Key encodings of the RocksDB column families. Parts are joined with '\0' (ids never contain
// it) and sequences are big-endian, so a conversation's events sort in order and its history is
// one prefix scan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace omni::store {

// events: <conversation id> \0 <u64 big-endian sequence>
std::string EventKey(std::string_view conversation_id, uint64_t sequence);
// The common prefix of every event of a conversation.
std::string EventPrefix(std::string_view conversation_id);
// The sequence of an events key, or nullopt when the key is not one.
std::optional<uint64_t> SequenceOfEventKey(std::string_view key);

// customer_events: <customer id> \0 <u64 big-endian stored-at microseconds> <event key>
//   -> the event key: a customer's events on every channel and conversation, in time order.
std::string CustomerEventKey(std::string_view customer_id, uint64_t stored_at_micros,
                             std::string_view event_key);
std::string CustomerEventPrefix(std::string_view customer_id);

// expiry: <u64 big-endian stored-at microseconds> <event key>  -> tenant, oldest first
std::string ExpiryKey(uint64_t stored_at_micros, std::string_view event_key);
// The stored-at time and event key of an expiry key, or nullopt when the key is not one.
std::optional<std::pair<uint64_t, std::string_view>> SplitExpiryKey(std::string_view key);

// audit: <u64 big-endian microseconds> <record id>  -> AuditRecord, oldest first
std::string AuditKey(uint64_t micros, std::string_view record_id);

// identities: <tenant> \0 <provider> \0 <handle>  -> customer id
std::string IdentityKey(std::string_view tenant, std::string_view provider, std::string_view handle);
// threads: <tenant> \0 <provider> \0 <thread key>  -> conversation id
std::string ThreadKey(std::string_view tenant, std::string_view provider, std::string_view thread_key);
// dedupe: <tenant> \0 <event id>  -> IngestAck
std::string DedupeKey(std::string_view tenant, std::string_view event_id);
// quality: <tenant> \0 pending \0 <conversation id>  -> Review waiting for its score,
//          <tenant> \0 scored \0 <conversation id>   -> Review scored,
//          <tenant> \0 agent \0 <agent id>           -> AgentQuality (their scores and standing).
std::string PendingReviewKey(std::string_view tenant, std::string_view conversation_id);
std::string ScoredReviewKey(std::string_view tenant, std::string_view conversation_id);
std::string AgentQualityKey(std::string_view tenant, std::string_view agent_id);
// The common prefix of each kind's keys of a tenant.
std::string PendingReviewPrefix(std::string_view tenant);
std::string ScoredReviewPrefix(std::string_view tenant);
std::string AgentQualityPrefix(std::string_view tenant);
// agents: <tenant> \0 <agent id>  -> Agent. Also the key of what meta keeps per agent or per
// tenant (a removal, Admin's routing policy), after that record's own prefix.
std::string TenantKey(std::string_view tenant, std::string_view id);
// The tenant and id of a TenantKey; nullopt for a key written before tenants (no separator).
std::optional<std::pair<std::string_view, std::string_view>> SplitTenantKey(std::string_view key);

}  // namespace omni::store
