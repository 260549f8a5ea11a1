// Running a cpp-httplib server in the background, safely stoppable at any moment: the one way every
// HTTP listener here (webhook endpoints, web chat, admin ports, test fakes of provider APIs) starts
// its accept loop.
#pragma once

#include <thread>

#include "absl/status/status.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace omni {

// Starts the accept loop of `server` (bound already) on `thread` and returns once it runs.
// cpp-httplib's stop() does nothing until the loop has begun, so a Stop() right after a Start()
// (a broker started and stopped at once, under load) would otherwise leave the thread in accept()
// for ever and hang its join. DEADLINE_EXCEEDED if the loop has not begun within 10 seconds.
absl::Status ListenInBackground(httplib::Server& server, std::thread& thread);

}  // namespace omni
