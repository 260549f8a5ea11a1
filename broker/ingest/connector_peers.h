// ConnectorPeers: the connectors connected to the ingest endpoint (by ZeroMQ routing id), which
// providers each serves, and which of them a reply for a provider goes to. Several gateways may
// serve one provider (replicas behind a load balancer): each delivery goes to one live peer, in
// turn, and stays with it while it lives; a peer not heard from within `liveness` is gone, and
// its deliveries move to another. A peer serves only the providers its grant allows (the broker
// filters a Hello before it gets here) and only the tenants its grant allows: a reply of one
// tenant never goes to a connector bound to another's.
//
// Not thread-safe: owned by the broker core thread. Time comes from the caller (tests use any).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace omni::ingest {

class ConnectorPeers {
 public:
  using Time = std::chrono::steady_clock::time_point;

  explicit ConnectorPeers(std::chrono::milliseconds liveness) : liveness_(liveness) {}

  // A Hello from `routing_id`: it serves `providers` for `tenants` ("*" = every tenant: its grant's)
  // from now on (a later Hello may name fewer). True when the peer took up a provider it did not
  // serve before.
  bool Hello(const std::string& routing_id, const std::vector<std::string>& providers,
             const std::set<std::string>& tenants, Time now);
  // Any other frame from `routing_id`: it is alive (a known peer only).
  void Seen(const std::string& routing_id, Time now);

  // Where a delivery of `tenant` for `provider` goes: `current` while it is live and serves both,
  // else the next live peer that does; nullopt when none does.
  std::optional<std::string> Pick(const std::string& provider, const std::string& tenant,
                                  const std::string& current, Time now);
  bool Serves(const std::string& routing_id, const std::string& provider, const std::string& tenant,
              Time now) const;

  // Forgets the peers not heard from within `liveness`; true when any went.
  bool Expire(Time now);

  size_t size() const { return peers_.size(); }

 private:
  struct Peer {
    std::set<std::string> providers;
    std::set<std::string> tenants;  // "*" = every tenant
    Time last_seen;
    bool ServesTenant(const std::string& tenant) const {
      return tenants.contains("*") || tenants.contains(tenant);
    }
  };
  struct Rotation {
    std::vector<std::string> peers;  // routing ids, in the order they said Hello
    size_t next = 0;
  };

  bool Live(const Peer& peer, Time now) const { return now - peer.last_seen < liveness_; }
  void Leave(const std::string& routing_id, const std::string& provider);

  const std::chrono::milliseconds liveness_;
  std::unordered_map<std::string, Peer> peers_;
  std::map<std::string, Rotation> by_provider_;
};

}  // namespace omni::ingest
