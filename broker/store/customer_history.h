// Reading a customer's history across every conversation and channel from the customer_events
// index: one range scan for the page, one point read per event.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "broker/store/store.h"
#include "omnibroker/v1/agent_console.pb.h"

namespace omni::store {

// A page of at most `page_size` events (1..500; 0 = 50), oldest or newest first, starting at
// `page_token` (empty = the start); next_page_token is empty on the last page.
absl::StatusOr<omnibroker::v1::GetHistoryResponse> ReadCustomerHistory(const Store& store, const std::string& customer_id,
                                                                      int page_size, const std::string& page_token,
                                                                      bool newest_first);

}  // namespace omni::store
