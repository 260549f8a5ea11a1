// VisitorRegistry: the profiles visitors gave at registration (name, email, language) and when
// each was last active. Bounded in count (max_visitors: a registration beyond is refused rather
// than forgetting someone active) and in time (a profile idle for idle_expiry is forgotten; the
// visitor registers again and starts a new conversation). In memory only: a restart forgets the
// profiles (the broker keeps the conversations; see the connector README).
// Thread-safe: HTTP handler threads register and look up. Time comes from the caller.
#pragma once

#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/webchat/webchat_parser.h"

namespace omni::connectors::webchat {

class VisitorRegistry {
 public:
  VisitorRegistry(size_t max_visitors, Duration idle_expiry)
      : max_visitors_(max_visitors), idle_expiry_(idle_expiry) {}

  // Keeps a new visitor's profile, active at `now`. RESOURCE_EXHAUSTED when max_visitors are
  // live.
  absl::Status Add(const Visitor& visitor, TimePoint now);
  // The profile of `id`, now active at `now`; nullopt when unknown or idle past expiry.
  std::optional<Visitor> Touch(const std::string& id, TimePoint now);
  // The same, adding a bare profile for an unknown `id` (a visitor whose token outlived a
  // restart of the connector); RESOURCE_EXHAUSTED when that would pass max_visitors.
  absl::StatusOr<Visitor> TouchOrAdd(const std::string& id, TimePoint now);
  // Live profiles (expired ones are dropped first).
  size_t size(TimePoint now);

 private:
  struct Entry {
    Visitor visitor;
    TimePoint last_active;
  };
  // Most recently active first, so the expired are found at the back.
  using Recency = std::list<Entry>;

  void DropExpired(TimePoint now);  // with mu_ held
  absl::Status AddLocked(const Visitor& visitor, TimePoint now);

  const size_t max_visitors_;
  const Duration idle_expiry_;
  std::mutex mu_;
  Recency by_recency_;
  std::unordered_map<std::string, Recency::iterator> by_id_;
};

}  // namespace omni::connectors::webchat
