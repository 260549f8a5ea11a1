// ParseFrame: a connector's frame, or why not. Most frames that fail to parse hold a string that
// is not UTF-8; read with every string as bytes, the frame still names its event, and the broker
// answers that event with a rejection the connector drops (see BrokerCore::RejectUnparsable).
#include "broker/ingest/frame.h"

#include "omnibroker/v1/ingest_lenient.pb.h"

namespace omni::ingest {

Received ParseFrame(std::string_view body) {
  Received received;
  omnibroker::v1::ConnectorFrame frame;
  if (frame.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    received.frame = std::move(frame);
    return received;
  }
  omnibroker::v1::LenientConnectorFrame lenient;
  if (lenient.ParseFromArray(body.data(), static_cast<int>(body.size())) && lenient.has_event()) {
    received.unparsable_event_id = lenient.event().id();
  }
  received.frame = absl::InvalidArgumentError(
      "frame is not a ConnectorFrame (a string field that is not UTF-8, or not protobuf at all)");
  return received;
}

}  // namespace omni::ingest
