// The token revocations in force (Admin.RevokeTokens and RemoveAgent), as every call is checked
// against them: single tokens by id (unique across tenants), and per agent of a tenant the time
// before which their tokens were issued (the same agent id in another tenant is another agent).
// Each one lapses once every token it revokes has expired anyway (its lapses_at), and is then
// forgotten. The broker core stores them; this is the copy the gRPC threads read.
//
// Thread-safe: gRPC threads check, Admin adds.
#pragma once

#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "base/clock.h"
#include "omnibroker/v1/admin.pb.h"

namespace omni::auth {

class Revocations {
 public:
  // Puts `revocation` in force (of one token, or of its tenant's agent's tokens: the latest
  // issued_before of an agent counts) and forgets those lapsed at `now`.
  void Add(const omnibroker::v1::TokenRevocation& revocation, TimePoint now);
  // True when the token `token_id` of `tenant`'s agent `agent_id`, issued at `issued_at`, is
  // revoked.
  bool Revoked(const std::string& tenant, const std::string& agent_id, const std::string& token_id,
               TimePoint issued_at) const;
  // How many are kept.
  size_t size() const;

 private:
  struct AgentCutoff {
    TimePoint issued_before;
    TimePoint lapses_at;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, TimePoint> tokens_;    // token id -> lapses_at
  // AgentKey(tenant, agent id) -> their cutoff
  std::unordered_map<std::string, AgentCutoff> agents_;
};

}  // namespace omni::auth
