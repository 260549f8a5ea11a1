#include "broker/ingest/connector_peers.h"

#include <algorithm>

namespace omni::ingest {

bool ConnectorPeers::Hello(const std::string& routing_id, const std::vector<std::string>& providers,
                           const std::set<std::string>& tenants, Time now) {
  Peer& peer = peers_[routing_id];
  peer.last_seen = now;
  peer.tenants = tenants;
  std::set<std::string> now_serves(providers.begin(), providers.end());
  for (const auto& provider : peer.providers) {
    if (!now_serves.contains(provider)) Leave(routing_id, provider);
  }
  bool took_up = false;
  for (const auto& provider : now_serves) {
    if (peer.providers.contains(provider)) continue;
    by_provider_[provider].peers.push_back(routing_id);
    took_up = true;
  }
  peer.providers = std::move(now_serves);
  return took_up;
}

void ConnectorPeers::Seen(const std::string& routing_id, Time now) {
  if (auto it = peers_.find(routing_id); it != peers_.end()) it->second.last_seen = now;
}

std::optional<std::string> ConnectorPeers::Pick(const std::string& provider, const std::string& tenant,
                                                const std::string& current, Time now) {
  if (!current.empty() && Serves(current, provider, tenant, now)) return current;
  auto it = by_provider_.find(provider);
  if (it == by_provider_.end()) return std::nullopt;
  Rotation& rotation = it->second;
  for (size_t tried = 0; tried < rotation.peers.size(); ++tried) {
    const std::string& candidate = rotation.peers[rotation.next++ % rotation.peers.size()];
    const Peer& peer = peers_.at(candidate);
    if (Live(peer, now) && peer.ServesTenant(tenant)) return candidate;
  }
  return std::nullopt;
}

bool ConnectorPeers::Serves(const std::string& routing_id, const std::string& provider,
                            const std::string& tenant, Time now) const {
  auto it = peers_.find(routing_id);
  return it != peers_.end() && Live(it->second, now) && it->second.providers.contains(provider) &&
         it->second.ServesTenant(tenant);
}

bool ConnectorPeers::Expire(Time now) {
  bool any = false;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (Live(it->second, now)) {
      ++it;
      continue;
    }
    for (const auto& provider : it->second.providers) Leave(it->first, provider);
    it = peers_.erase(it);
    any = true;
  }
  return any;
}

void ConnectorPeers::Leave(const std::string& routing_id, const std::string& provider) {
  auto it = by_provider_.find(provider);
  if (it == by_provider_.end()) return;
  std::erase(it->second.peers, routing_id);
  if (it->second.peers.empty()) by_provider_.erase(it);
}

}  // namespace omni::ingest
