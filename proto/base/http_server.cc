#include "base/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "base/thread_name.h"

namespace omni {

int BindServer(httplib::Server& server, const std::string& host, int port) {
  // cpp-httplib offers no backlog setting, but shows the listening socket to the socket options
  // hook before it binds; listen() again on a listening socket only changes its backlog.
  socket_t listening = INVALID_SOCKET;
  server.set_socket_options([&listening](socket_t sock) {
    httplib::default_socket_options(sock);
    listening = sock;
  });
  const int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  server.set_socket_options(httplib::default_socket_options);  // drops the hook's reference
  if (bound > 0 && ::listen(listening, SOMAXCONN) != 0) return -1;
  return bound;
}

absl::Status ListenInBackground(httplib::Server& server, std::thread& thread) {
  thread = std::thread([&server] {
    NameThisThread("http-server");  // its request threads inherit the name
    server.listen_after_bind();
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server.is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError("the HTTP server's accept loop did not start in 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return absl::OkStatus();
}

}  // namespace omni
