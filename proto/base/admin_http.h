// AdminHttpServer: the admin HTTP port of the broker and of omni-gateway, for operators and their
// tools (Prometheus, Kubernetes probes). GET /metrics is the registry in the Prometheus text
// format, /livez answers 200 while the process serves requests, /readyz 200 once `ready` says so
// (else 503 with why). Nothing here reads or changes conversations or events: it is safe to expose
// to a monitoring network.
//
// Lifecycle: Start() binds and runs the accept loop on its own thread; Stop() (also on
// destruction) stops and joins it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/metrics.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace omni {

class AdminHttpServer {
 public:
  using Readiness = std::function<absl::Status()>;

  // `listen` is "host:port" (port 0 picks a free one). `registry` and `ready` outlive the server.
  static absl::StatusOr<std::unique_ptr<AdminHttpServer>> Start(const std::string& listen,
                                                                const MetricsRegistry& registry,
                                                                Readiness ready);
  ~AdminHttpServer();
  void Stop();
  // "host:port" as bound.
  const std::string& address() const { return address_; }

 private:
  AdminHttpServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
};

}  // namespace omni
