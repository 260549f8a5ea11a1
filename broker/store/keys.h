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
// agents: <tenant> \0 <agent id>  -> Agent. Also the key of what meta keeps per agent or per
// tenant (a removal, Admin's routing policy), after that record's own prefix.
std::string TenantKey(std::string_view tenant, std::string_view id);
// The tenant and id of a TenantKey; nullopt for a key written before tenants (no separator).
std::optional<std::pair<std::string_view, std::string_view>> SplitTenantKey(std::string_view key);

}  // namespace omni::store
