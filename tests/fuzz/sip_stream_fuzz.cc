// libFuzzer target: the SIP TCP stream framer (connectors/sip/sip_stream.h) on arbitrary bytes
// split at arbitrary points, read in as the connector reads a socket (never more than room()).
// Whatever comes, the stream never holds more than its max message size and has room while it
// waits for more; every message is whole (headers up to the blank line) and within the max;
// nothing comes after a message too large; and the messages do not depend on where the bytes were
// split: the same bytes read in pieces as large as fit give the same messages.
//
// Input: the trailing bytes choose the max size and the piece sizes, the rest is the stream (so
// the SIP corpus files still seed whole messages).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sip/sip_stream.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

using omni::connectors::sip::SipStream;
using omni::fuzz::Require;

struct Framed {
  std::vector<std::string> messages;
  bool too_large = false;
  std::string too_large_head;
  bool operator==(const Framed&) const = default;
};

// `bytes` read into a stream of at most `max` bytes in pieces of the sizes `pieces` gives in turn
// (an empty list: as much as fits), taking every message after each piece.
Framed Frame(std::string_view bytes, size_t max, const std::vector<size_t>& pieces) {
  SipStream stream(max);
  Framed framed;
  size_t at = 0;
  for (size_t turn = 0; at < bytes.size() && !framed.too_large; ++turn) {
    Require(stream.room() > 0);
    const size_t piece =
        pieces.empty() ? std::numeric_limits<size_t>::max() : pieces[turn % pieces.size()];
    const size_t n = std::min({piece, stream.room(), bytes.size() - at});
    stream.Append(bytes.substr(at, n));
    at += n;
    Require(stream.buffered() <= max);
    while (auto message = stream.Next()) {
      Require(message->bytes.size() <= max);
      if (!message->status.ok()) {
        Require(!message->status.message().empty());
        framed.too_large = true;
        framed.too_large_head = std::move(message->bytes);
        stream.Append(bytes.substr(at));
        Require(!stream.Next().has_value() && stream.buffered() == 0);
        break;
      }
      Require(message->bytes.find("\r\n\r\n") != std::string::npos);
      framed.messages.push_back(std::move(message->bytes));
    }
    Require(framed.too_large || stream.buffered() < max);
  }
  return framed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  // Small limits reach the cap often; the connector's own now and then.
  const size_t max = input.ConsumeBool() ? omni::connectors::sip::kMaxMessageBytes
                                         : input.ConsumeIntegralInRange<size_t>(1, 2048);
  std::vector<size_t> pieces(input.ConsumeIntegralInRange<size_t>(1, 16));
  for (size_t& piece : pieces) piece = input.ConsumeIntegralInRange<size_t>(1, 512);
  const std::string bytes = input.ConsumeRemainingBytesAsString();
  Require(Frame(bytes, max, pieces) == Frame(bytes, max, {}));
  return 0;
}
