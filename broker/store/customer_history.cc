#include "broker/store/customer_history.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "broker/store/keys.h"

namespace omni::store {

using omnibroker::v1::GetHistoryResponse;

absl::StatusOr<GetHistoryResponse> ReadCustomerHistory(const Store& store, const std::string& customer_id,
                                                      int page_size, const std::string& page_token, bool newest_first) {
  if (customer_id.empty()) return absl::InvalidArgumentError("customer_id: is required");
  page_size = page_size <= 0 ? 50 : std::min(page_size, 500);
  const std::string prefix = CustomerEventPrefix(customer_id);
  std::optional<std::string> start;
  if (!page_token.empty()) {
    // The token is the index key of the next event, in hex (tokens are text in the API).
    std::string key = absl::HexStringToBytes(page_token);
    if (absl::BytesToHexString(key) != page_token || !key.starts_with(prefix)) {
      return absl::InvalidArgumentError("page_token: not a token this broker issued for this customer");
    }
    start = std::move(key);
  }
  GetHistoryResponse out;
  absl::Status read_error;
  OMNI_RETURN_IF_ERROR(store.Scan(
      Family::kCustomerEvents, prefix, newest_first, start, [&](std::string_view key, std::string_view event_key) {
        if (out.events_size() == page_size) {
          out.set_next_page_token(absl::BytesToHexString(absl::string_view(key.data(), key.size())));
          return false;
        }
        auto found = store.Get(Family::kEvents, event_key, *out.add_events());
        if (!found.ok() || !*found) {
          read_error = found.ok() ? absl::DataLossError("customer history points at a missing event")
                                  : found.status();
          return false;
        }
        return true;
      }));
  OMNI_RETURN_IF_ERROR(read_error);
  return out;
}

}  // namespace omni::store
