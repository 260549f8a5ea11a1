#include "base/admin_http.h"

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/http_server.h"

namespace omni {

absl::StatusOr<std::unique_ptr<AdminHttpServer>> AdminHttpServer::Start(
    const std::string& listen, const MetricsRegistry& registry, Readiness ready) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin_listen: must be host:port, got '", listen, "'"));
  }
  const std::string host = listen.substr(0, colon);
  std::unique_ptr<AdminHttpServer> admin(new AdminHttpServer());
  admin->server_ = std::make_unique<httplib::Server>();
  auto& server = *admin->server_;
  server.Get("/metrics", [&registry](const httplib::Request&, httplib::Response& res) {
    res.set_content(registry.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/livez", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  server.Get("/readyz", [ready = std::move(ready)](const httplib::Request&,
                                                   httplib::Response& res) {
    const absl::Status s = ready();
    res.status = s.ok() ? 200 : 503;
    res.set_content(s.ok() ? std::string("ok\n") : absl::StrCat(s.message(), "\n"), "text/plain");
  });
  const int bound = port == 0                         ? server.bind_to_any_port(host)
                    : server.bind_to_port(host, port) ? port
                                                      : -1;
  if (bound <= 0)
    return absl::UnavailableError(absl::StrCat("cannot listen for admin HTTP on ", listen));
  admin->address_ = absl::StrCat(host, ":", bound);
  if (auto s = ListenInBackground(server, admin->thread_); !s.ok()) return s;
  return admin;
}

AdminHttpServer::~AdminHttpServer() { Stop(); }

void AdminHttpServer::Stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace omni
