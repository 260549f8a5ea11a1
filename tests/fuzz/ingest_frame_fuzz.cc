// The broker's reading of a connector frame, on any bytes: it never crashes; a frame it accepts
// survives a round trip; one it refuses has a reason; and text repaired the way the connector SDK
// repairs it always parses. With it, UTF-8 repair itself: ToUtf8 always yields well-formed text
// and leaves well-formed text alone.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/utf8.h"
#include "broker/ingest/frame.h"
#include "tests/fuzz/fuzz_checks.h"

using omni::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const std::string repaired = omni::ToUtf8(bytes);
  Require(omni::IsUtf8(repaired));
  Require(!omni::IsUtf8(bytes) || repaired == bytes);

  omni::ingest::Received received = omni::ingest::ParseFrame(bytes);
  if (received.frame.ok()) {
    omnibroker::v1::ConnectorFrame again;
    Require(again.ParseFromString(received.frame->SerializeAsString()));
    if (received.frame->has_event()) omni::fuzz::CheckUtf8RoundTrip(received.frame->event());
    return 0;
  }
  Require(!received.frame.status().message().empty());
  return 0;
}
