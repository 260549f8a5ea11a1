#include "connectors/webchat/stream_tickets.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace omni::connectors::webchat {

void StreamTickets::Forget(std::unordered_map<std::string, Entry>::iterator it) {
  auto count = unused_by_visitor_.find(it->second.grant.visitor_id);
  if (--count->second == 0) unused_by_visitor_.erase(count);
  by_ticket_.erase(it);
}

void StreamTickets::DropExpired(TimePoint now) {
  // Redeemed tickets leave their name in the queue; it is skipped when it comes up.
  while (!by_issue_time_.empty()) {
    auto it = by_ticket_.find(by_issue_time_.front());
    if (it != by_ticket_.end()) {
      if (now < it->second.expires_at) break;
      Forget(it);
    }
    by_issue_time_.pop_front();
  }
}

absl::StatusOr<std::string> StreamTickets::Issue(const Grant& grant, TimePoint now) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return absl::InternalError("no random bytes for a ticket");
  std::string ticket =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(raw), sizeof raw));
  std::lock_guard lock(mu_);
  DropExpired(now);
  size_t& unused = unused_by_visitor_[grant.visitor_id];
  if (unused >= max_per_visitor_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "this visitor holds ", max_per_visitor_, " unused stream tickets; use one or wait ",
        std::chrono::ceil<std::chrono::seconds>(ttl_).count(), " s"));
  }
  if (by_ticket_.size() >= max_outstanding_) {
    if (unused == 0) unused_by_visitor_.erase(grant.visitor_id);
    return absl::UnavailableError(
        absl::StrCat("all ", max_outstanding_, " stream tickets of the web chat are out"));
  }
  ++unused;
  by_ticket_.emplace(ticket, Entry{grant, now + ttl_});
  by_issue_time_.push_back(ticket);
  return ticket;
}

absl::StatusOr<StreamTickets::Grant> StreamTickets::Redeem(std::string_view ticket, TimePoint now) {
  std::lock_guard lock(mu_);
  DropExpired(now);
  auto it = by_ticket_.find(std::string(ticket));
  if (it == by_ticket_.end() || now >= it->second.expires_at) {
    return absl::UnauthenticatedError(
        "stream ticket unknown, used or expired; get a new one with POST /v1/stream-tickets");
  }
  Grant grant = it->second.grant;
  Forget(it);
  return grant;
}

}  // namespace omni::connectors::webchat
