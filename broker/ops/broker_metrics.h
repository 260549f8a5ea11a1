// BrokerMetrics: every metric the broker exports, in one registry, named once here. Components
// get a reference (or pointer) to the series they bump; the admin HTTP port renders the registry.
// Label values come from fixed sets below, so the number of series is fixed at construction;
// per-queue gauges are collected at scrape time (see BrokerApp) and capped.
#pragma once

#include <array>
#include <string_view>
#include <vector>

#include "base/metrics.h"

namespace omni::ops {

// Why an inbound event was not accepted (omni_ingest_rejects_total{reason}).
enum class RejectReason {
  kInvalid,
  kOverLimit,
  kNoConversation,
  kStoreError,
  kUnparsable,
  kNotPermitted,
  kRateLimited,
  kUnknownTenant,
  kLedElsewhere,
  kCount
};
// Why a connection to the ingest endpoint was refused (omni_ingest_denials_total{reason}).
enum class ConnectionDenial { kKeyNotAllowed, kNotCurve, kHandshakeFailed, kCount };
// How an offer ended (omni_offers_total{outcome}).
enum class OfferOutcome { kAccepted, kDeclined, kTimedOut, kWithdrawn, kCount };
// What the routing engine decided (omni_routing_decisions_total{decision}).
enum class DecisionKind { kOffer, kOfferWithdrawn, kReclaimed, kBreach, kWrapUpEnded, kAfterHoursReply, kOverflow, kCount };
// Which deadline was missed (omni_sla_breaches_total{deadline}).
enum class Deadline { kFirstResponse, kNextResponse, kResolution, kCount };

// Which agent call was refused by the per-agent rate limit (omni_agent_rate_limited_total{call}).
enum class RateLimitedCall { kConsoleRequest, kHistory, kCount };

// An ack's status (omni_ingest_acks_total{status}).
enum class AckStatus { kAccepted, kDuplicate, kRejected, kRetryLater, kCount };

class BrokerMetrics {
  // First: the references below are bound to series it owns.
  MetricsRegistry registry_;

 public:
  BrokerMetrics();
  BrokerMetrics(const BrokerMetrics&) = delete;
  BrokerMetrics& operator=(const BrokerMetrics&) = delete;

  MetricsRegistry& registry() { return registry_; }

  Counter& events_received;  // every event frame read from the ingest endpoint
  Counter& ack(AckStatus s) { return *acks_[static_cast<size_t>(s)]; }
  Counter& reject(RejectReason r) { return *rejects_[static_cast<size_t>(r)]; }
  Counter& denial(ConnectionDenial d) { return *denials_[static_cast<size_t>(d)]; }
  Counter& ingest_disconnects;  // tcp:// connections to the ingest endpoint that ended
  // What connectors tried beyond their grant (ingest.clients), besides refused events.
  Counter& providers_refused;      // a provider named in a Hello that the key may not serve
  Counter& tenants_refused;        // a tenant named in a Hello that the key may not serve
  Counter& foreign_delivery_acks;  // a delivery ack from a connector the delivery was not sent to
  Counter& unverified_senders;     // sender.verified from a key that may not vouch: cleared
  Counter& offer(OfferOutcome o) { return *offers_[static_cast<size_t>(o)]; }
  Counter& decision(DecisionKind d) { return *decisions_[static_cast<size_t>(d)]; }
  // The breach counter for a routing reason ("first_response"…); null for an unknown one.
  Counter* breach(std::string_view deadline);
  // The offer outcome counter for the routing engine's withdrawal reason: "timeout" is timed_out,
  // the others (agent_offline, closed) withdrawn. Declines are counted where they are answered.
  Counter& withdrawal(std::string_view reason);
  // The gRPC authentication failure counter for a reason (auth::TokenFailureName); null for an
  // unknown one.
  Counter* auth_failure(std::string_view reason);
  Counter& rate_limited(RateLimitedCall c) { return *rate_limited_[static_cast<size_t>(c)]; }
  Histogram& store_write;  // RocksDB WriteBatch applied (unsynced)
  Histogram& store_sync;   // WAL sync of a commit group (its count is the number of syncs)
  Gauge& store_write_fault;  // partition stores refusing writes after a write fault
  // gRPC calls refused unchecked: their client's address failed authentication too often.
  Counter& auth_throttled;
  Gauge& console_streams;  // AgentConsole Connect streams open now

 private:
  std::array<Counter*, static_cast<size_t>(AckStatus::kCount)> acks_;
  std::array<Counter*, static_cast<size_t>(RejectReason::kCount)> rejects_;
  std::array<Counter*, static_cast<size_t>(ConnectionDenial::kCount)> denials_;
  std::array<Counter*, static_cast<size_t>(OfferOutcome::kCount)> offers_;
  std::array<Counter*, static_cast<size_t>(DecisionKind::kCount)> decisions_;
  std::array<Counter*, static_cast<size_t>(Deadline::kCount)> breaches_;
  std::vector<Counter*> auth_failures_;  // in the order of kAuthFailures (broker_metrics.cc)
  std::array<Counter*, static_cast<size_t>(RateLimitedCall::kCount)> rate_limited_;
};

}  // namespace omni::ops
