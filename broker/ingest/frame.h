// A connector's frame as the broker reads it (ParseFrame), with who sent it. Pure: no socket, so it
// is fuzzed apart from the endpoint that fills in the sender.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "omnibroker/v1/ingest.pb.h"

namespace omni::ingest {

struct Received {
  std::string routing_id;  // who sent it; where the answer goes
  // The CURVE public key the sender authenticated with (its grant in IngestOptions::clients);
  // empty for the broker's own connectors and for tcp:// without CURVE.
  std::string client_key;
  absl::StatusOr<omnibroker::v1::ConnectorFrame> frame;  // an error for an unparsable frame
  // For an unparsable event frame: the event's id, read with every string as bytes, so the
  // rejection can name it (empty when even that fails).
  std::string unparsable_event_id;
};

// The ConnectorFrame in `body`, or an error and, for an event, its id read leniently (routing_id
// and client_key are left for the endpoint to fill in).
Received ParseFrame(std::string_view body);

}  // namespace omni::ingest
