// BrokerCore: reading history, a conversation's or a customer's across every channel, a page at a
// time, newest or oldest first. Who may read what: access.cc.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "broker/core/broker_core.h"
#include "broker/store/customer_history.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::GetHistoryResponse;
using store::Family;

namespace {

int PageSize(int asked) { return asked <= 0 ? 50 : std::min(asked, 500); }

}  // namespace

absl::StatusOr<GetHistoryResponse> BrokerCore::History(const std::string& tenant, const std::string& agent_id,
                                                       HistoryReader reader,
                                                       const omnibroker::v1::GetHistoryRequest& request) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  const bool supervisor = reader == HistoryReader::kSupervisor || IsSupervisor(*t, agent_id);
  if (!request.customer_id().empty()) {
    const bool serves = supervisor || std::any_of(open_.begin(), open_.end(), [&](const auto& entry) {
                          return entry.second.tenant() == tenant &&
                                 entry.second.customer_id() == request.customer_id() &&
                                 entry.second.assigned_agent_id() == agent_id &&
                                 entry.second.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED;
                        });
    if (!serves) {
      return absl::PermissionDeniedError(
          absl::StrCat("no conversation of customer ", request.customer_id(), " is assigned to ", agent_id));
    }
    return CustomerHistory(tenant, request.customer_id(), request.page_size(), request.page_token(),
                           request.newest_first());
  }
  if (supervisor) {
    // Any conversation of their tenant, open or closed; another tenant's is none.
    OMNI_RETURN_IF_ERROR(ConversationOf(tenant, request.conversation_id()).status());
  } else if (reader == HistoryReader::kReviewer && UnderReview(tenant, request.conversation_id())) {
    // A reviewer reads what they review (the review is their tenant's: its key is).
  } else if (auto it = open_.find(request.conversation_id()); it == open_.end() || !MayRead(*t, agent_id, it->second)) {
    return absl::PermissionDeniedError(absl::StrCat("conversation ", request.conversation_id(),
                                                    " is not offered or assigned to ", agent_id, " nor queued for their team"));
  }
  const int page_size = PageSize(request.page_size());
  std::optional<std::string> start;
  if (!request.page_token().empty()) {
    uint64_t sequence;
    if (!absl::SimpleAtoi(request.page_token(), &sequence)) {
      return absl::InvalidArgumentError("page_token: not a token this broker issued");
    }
    start = store::EventKey(request.conversation_id(), sequence);
  }
  GetHistoryResponse out;
  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(
      Family::kEvents, store::EventPrefix(request.conversation_id()), request.newest_first(), start,
      [&](std::string_view key, std::string_view value) {
        if (out.events_size() == page_size) {
          out.set_next_page_token(absl::StrCat(store::SequenceOfEventKey(key).value_or(0)));
          return false;
        }
        if (!out.add_events()->ParseFromArray(value.data(), value.size())) {
          parse_error = absl::DataLossError("unparsable event record");
          return false;
        }
        return true;
      }));
  OMNI_RETURN_IF_ERROR(parse_error);
  return out;
}

absl::StatusOr<GetHistoryResponse> BrokerCore::CustomerHistory(const std::string& tenant,
                                                               const std::string& customer_id, int page_size,
                                                               const std::string& page_token, bool newest_first) const {
  // A merged customer's history lives under the customer they were merged into.
  auto canonical = CanonicalCustomerOf(tenant, customer_id);
  if (!canonical.ok()) return canonical.status();
  return store::ReadCustomerHistory(store_, canonical->id(), page_size, page_token, newest_first);
}

}  // namespace omni::core
