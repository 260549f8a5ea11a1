#include "broker/ops/broker_metrics.h"

namespace omni::ops {
namespace {

// Fills `out` with one series per label value of `family`, in enum order.
template <size_t N>
void AddSeries(MetricsRegistry& registry, const std::string& family, const std::string& help,
               const std::string& label, const std::array<const char*, N>& values,
               std::array<Counter*, N>& out) {
  for (size_t i = 0; i < N; ++i) out[i] = &registry.AddCounter(family, help, {{label, values[i]}});
}

constexpr std::array<const char*, 3> kDeadlines = {"first_response", "next_response", "resolution"};
// auth::TokenFailureName's values.
constexpr std::array kAuthFailures = {"missing", "malformed", "unsupported_alg", "bad_signature",
                                      "expired", "revoked"};

}  // namespace

BrokerMetrics::BrokerMetrics()
    : events_received(registry_.AddCounter("omni_ingest_events_total",
                                           "Events read from connectors (the ingest rate).")),
      ingest_disconnects(registry_.AddCounter(
          "omni_ingest_disconnects_total",
          "Connector connections to the ingest endpoint that ended: the peer left, or was cut for "
          "a frame above ingest.max_message_bytes or a refused handshake.")),
      providers_refused(registry_.AddCounter(
          "omni_ingest_providers_refused_total",
          "Providers named in a connector's Hello that its key may not serve (ingest.clients); "
          "it gets none of their replies.")),
      tenants_refused(registry_.AddCounter(
          "omni_ingest_tenants_refused_total",
          "Tenants named in a connector's Hello that its key may not serve (ingest.clients); it "
          "gets none of their replies.")),
      foreign_delivery_acks(registry_.AddCounter(
          "omni_ingest_foreign_delivery_acks_total",
          "Delivery acks ignored because they came from a connector the delivery was not sent "
          "to.")),
      unverified_senders(registry_.AddCounter(
          "omni_ingest_unverified_senders_total",
          "Events whose sender.verified was cleared: the connector's key may not vouch for "
          "identities (ingest.clients[].verify_senders).")),
      store_write(registry_.AddHistogram("omni_store_write_seconds",
                                         "Time to apply one RocksDB WriteBatch (unsynced).")),
      store_sync(
          registry_.AddHistogram("omni_store_sync_seconds",
                                 "Time of one WAL sync, which makes a group of writes durable.")),
      store_write_fault(registry_.AddGauge(
          "omni_store_write_fault",
          "Partition stores refusing writes after a failed write, WAL sync, flush or compaction "
          "(a full disk, an I/O error), until reopened; /readyz says why.")),
      auth_throttled(registry_.AddCounter(
          "omni_grpc_auth_throttled_total",
          "gRPC calls refused without their token checked: their client's address failed "
          "authentication too often (grpc_security.failed_auth_per_second, failed_auth_burst).")),
      console_streams(
          registry_.AddGauge("omni_console_streams", "AgentConsole streams open now.")) {
  AddSeries(registry_, "omni_ingest_acks_total", "Acks sent to connectors, by status.", "status",
            std::array<const char*, 4>{"accepted", "duplicate", "rejected", "retry_later"}, acks_);
  AddSeries(
      registry_, "omni_ingest_rejects_total",
      "Events not accepted, by reason (invalid: failed validation; over_limit: above a size or "
      "count limit of ingest.limits; no_conversation: a receipt or edit for an unknown or erased "
      "thread; store_error: answered retry_later; unparsable: a frame that is no ConnectorFrame, "
      "e.g. a string that is not UTF-8; not_permitted: a tenant or provider outside the "
      "connector key's grant; rate_limited: over ingest.client_events_per_second, answered "
      "retry_later; unknown_tenant: a tenant this broker does not serve; led_elsewhere: a "
      "tenant whose partition another broker of the cluster leads now, answered retry_later).",
      "reason",
      std::array<const char*, 9>{"invalid", "over_limit", "no_conversation", "store_error",
                                 "unparsable", "not_permitted", "rate_limited", "unknown_tenant",
                                 "led_elsewhere"},
      rejects_);
  AddSeries(registry_, "omni_ingest_denials_total",
            "Connections to the ingest endpoint refused, by reason (key_not_allowed: a CURVE key "
            "outside ingest.allowed_client_keys; not_curve: a client without CURVE; "
            "handshake_failed: CURVE that does not decrypt, e.g. the wrong broker public key).",
            "reason",
            std::array<const char*, 3>{"key_not_allowed", "not_curve", "handshake_failed"},
            denials_);
  AddSeries(registry_, "omni_offers_total", "Offers ended, by outcome.", "outcome",
            std::array<const char*, 4>{"accepted", "declined", "timed_out", "withdrawn"}, offers_);
  AddSeries(registry_, "omni_routing_decisions_total", "Routing engine decisions, by kind.",
            "decision",
            std::array<const char*, 7>{"offer", "offer_withdrawn", "reclaimed", "breach",
                                       "wrap_up_ended", "after_hours_reply", "overflow"},
            decisions_);
  AddSeries(registry_, "omni_sla_breaches_total", "Deadlines missed, by deadline.", "deadline",
            kDeadlines, breaches_);
  for (const char* reason : kAuthFailures) {
    auth_failures_.push_back(&registry_.AddCounter(
        "omni_grpc_auth_failures_total", "gRPC calls refused for their agent token, by reason.",
        {{"reason", reason}}));
  }
  AddSeries(registry_, "omni_agent_rate_limited_total",
            "Agent calls refused by the per-agent rate limit, by call.", "call",
            std::array<const char*, 2>{"console_request", "history"}, rate_limited_);
}

Counter* BrokerMetrics::auth_failure(std::string_view reason) {
  for (size_t i = 0; i < kAuthFailures.size(); ++i) {
    if (reason == kAuthFailures[i]) return auth_failures_[i];
  }
  return nullptr;
}

Counter* BrokerMetrics::breach(std::string_view deadline) {
  for (size_t i = 0; i < kDeadlines.size(); ++i) {
    if (deadline == kDeadlines[i]) return breaches_[i];
  }
  return nullptr;
}

Counter& BrokerMetrics::withdrawal(std::string_view reason) {
  if (reason == "timeout") return offer(OfferOutcome::kTimedOut);
  return offer(OfferOutcome::kWithdrawn);
}

}  // namespace omni::ops
