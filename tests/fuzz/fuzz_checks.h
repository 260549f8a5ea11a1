// What every parser promises for any input, checked by the fuzz targets: it returns events or a
// status and never crashes; an error says what was wrong; an accepted event carries what the
// broker's validation requires of a connector (id, provider, direction, kind, sender handle), and
// it reaches the broker whatever bytes its text holds (repaired as the connector SDK repairs it).
// A broken promise aborts, which libFuzzer reports with the input.
#pragma once

#include <cstdlib>
#include <vector>

#include "absl/status/statusor.h"
#include "base/terminal_text.h"
#include "base/utf8.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "omnibroker/v1/event.pb.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::fuzz {

inline void Require(bool condition) {
  if (!condition) std::abort();
}

// What the connector SDK sends of `event` (its text repaired as ConnectorHost does) parses on the
// broker's side: no parser can make an event that stalls a connector's queue.
inline void CheckUtf8RoundTrip(const omnibroker::v1::Event& event) {
  omnibroker::v1::ConnectorFrame frame;
  *frame.mutable_event() = event;
  RepairUtf8(frame);
  omnibroker::v1::ConnectorFrame parsed;
  Require(parsed.ParseFromString(frame.SerializeAsString()));
  Require(parsed.event().id().empty() == event.id().empty());
  Require(RepairUtf8(parsed) == 0);
  // What an operator's terminal shows of it (omnictl history) cannot act on the terminal.
  const std::string shown = ForTerminal(event.content().text());
  Require(IsUtf8(shown));
  for (const unsigned char c : shown) Require(c >= 0x20 && c != 0x7f);
}

inline void CheckEvent(const omnibroker::v1::Event& event) {
  CheckUtf8RoundTrip(event);
  Require(!event.id().empty());
  Require(!event.provider().empty());
  Require(event.direction() != omnibroker::v1::DIRECTION_UNSPECIFIED);
  Require(event.kind() != omnibroker::v1::EVENT_KIND_UNSPECIFIED);
  Require(!event.sender().handle().empty());
}

inline void CheckParsed(const absl::StatusOr<std::vector<omnibroker::v1::Event>>& parsed) {
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty());
    // Traffic acknowledged as not a customer's is counted under a kind: never an empty label.
    const auto kind = connectors::NotCustomerTrafficKind(parsed.status());
    Require(!kind.has_value() || !kind->empty());
    return;
  }
  for (const auto& event : *parsed) CheckEvent(event);
}

inline void CheckParsed(const absl::StatusOr<omnibroker::v1::Event>& parsed) {
  if (!parsed.ok()) {
    Require(!parsed.status().message().empty());
    const auto kind = connectors::NotCustomerTrafficKind(parsed.status());
    Require(!kind.has_value() || !kind->empty());
    return;
  }
  CheckEvent(*parsed);
}

}  // namespace omni::fuzz
