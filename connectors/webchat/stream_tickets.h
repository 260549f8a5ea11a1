// StreamTickets: single-use, short-lived tickets that open a visitor's SSE stream (GET
// /v1/stream?ticket=…). A browser's EventSource cannot send an Authorization header, and a token
// in the URL would land in the access logs of every proxy on the way; so the widget trades its
// token for a ticket (POST /v1/stream-tickets, authenticated) and puts the ticket in the URL. A
// ticket is 128 random bits, works once and only for `ttl`: one read from a log is worth nothing.
// Bounded: at most max_per_visitor unused tickets per visitor and max_outstanding in all.
// Thread-safe: HTTP handler threads issue and redeem. Time comes from the caller.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"
#include "base/clock.h"

namespace omni::connectors::webchat {

class StreamTickets {
 public:
  // What a ticket opens: the visitor's stream, until the token it was bought with expires.
  struct Grant {
    std::string visitor_id;
    TimePoint token_expires_at;
  };

  StreamTickets(Duration ttl, size_t max_outstanding, size_t max_per_visitor)
      : ttl_(ttl), max_outstanding_(max_outstanding), max_per_visitor_(max_per_visitor) {}

  // A new ticket for `grant`. RESOURCE_EXHAUSTED when the visitor holds max_per_visitor unused
  // ones, UNAVAILABLE when max_outstanding are out in all.
  absl::StatusOr<std::string> Issue(const Grant& grant, TimePoint now);
  // The grant of `ticket`, which is used up; UNAUTHENTICATED when unknown, used or expired.
  absl::StatusOr<Grant> Redeem(std::string_view ticket, TimePoint now);
  Duration ttl() const { return ttl_; }

 private:
  struct Entry {
    Grant grant;
    TimePoint expires_at;
  };
  void DropExpired(TimePoint now);                                   // with mu_ held
  void Forget(std::unordered_map<std::string, Entry>::iterator it);  // with mu_ held

  const Duration ttl_;
  const size_t max_outstanding_;
  const size_t max_per_visitor_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> by_ticket_;
  std::deque<std::string> by_issue_time_;  // one ttl for all: the oldest expire first
  std::unordered_map<std::string, size_t> unused_by_visitor_;
};

}  // namespace omni::connectors::webchat
