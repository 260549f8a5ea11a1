// Running a cpp-httplib server in the background, safely stoppable at any moment: the one way every
// HTTP listener here (webhook endpoints, web chat, admin ports, test fakes of provider APIs) starts
// its accept loop.
#pragma once

#include <string>
#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace omni {

// Binds `server` to host:port (port 0: any free port) and returns the bound port, or -1. The
// listen backlog is SOMAXCONN rather than cpp-httplib's 5: with 5, a burst of new connections (a
// page with many visitors, a provider's retry wave) overflows the accept queue and the
// connections left out wait for TCP's SYN retries, a second and more each.
int BindServer(httplib::Server& server, const std::string& host, int port);

// Starts the accept loop of `server` (bound already) on `thread` and returns once it runs.
// cpp-httplib's stop() does nothing until the loop has begun, so a Stop() right after a Start()
// (a broker started and stopped at once, under load) would otherwise leave the thread in accept()
// for ever and hang its join. DEADLINE_EXCEEDED if the loop has not begun within 10 seconds.
absl::Status ListenInBackground(httplib::Server& server, std::thread& thread);

}  // namespace omni
