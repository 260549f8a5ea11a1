// BoundedHttpServer: a cpp-httplib server for listeners anyone may reach (webhooks), bounding what
// one request can make it hold before any handler runs. cpp-httplib 0.11 reads a request line or
// header line of any length and any number of header lines into memory, and waits on a sender for
// as long as each byte comes within its read timeout. Here each connection is read through a
// stream that takes:
//   - the request line and headers together up to `max_head_bytes` (431 beyond, the rest unread),
//   - everything after them (the body as sent: chunk framing, compressed bytes) up to
//     `max_body_wire_bytes`,
//   - all of it before `timeout` has passed since the connection was accepted (408 beyond),
// and serves one request per connection. A refusal made before the handlers run is answered here
// and told to `on_refusal`; a bound met while a handler reads the body makes the handler's
// ContentReader fail, and BodyStopped() tells the handler why, so it answers 408 or 413 itself.
//
// Threads: cpp-httplib's pool serves each connection on one of its threads, on_refusal included.
// Stop with Shutdown(), which also cuts the requests still arriving.
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"

namespace omni {

struct RequestBounds {
  size_t max_head_bytes = 32 << 10;
  size_t max_body_wire_bytes = 1 << 20;
  std::chrono::milliseconds timeout{10000};
};

// A refusal answered before any handler ran: the status sent (408 or 431), why, and to whom.
using RefusalFn =
    std::function<void(int status, const std::string& reason, const std::string& remote_addr)>;

class BoundedHttpServer : public httplib::Server {
 public:
  BoundedHttpServer(RequestBounds bounds, RefusalFn on_refusal);
  ~BoundedHttpServer() override;

  // Stops accepting and cuts the requests still arriving at once (stop() alone would let each
  // take up to bounds.timeout). The accept loop's thread may then be joined.
  void Shutdown();

  // For a handler whose ContentReader returned false, on the thread serving the request:
  // DEADLINE_EXCEEDED or RESOURCE_EXHAUSTED when a bound cut the body (the message says which),
  // UNAVAILABLE when the server is shutting down, OK when the body itself was at fault (malformed,
  // or the sender went away).
  static absl::Status BodyStopped();

 private:
  bool process_and_close_socket(socket_t sock) override;

  const RequestBounds bounds_;
  const RefusalFn on_refusal_;
  const int stopping_;  // an eventfd, readable once Shutdown() was called
};

}  // namespace omni
