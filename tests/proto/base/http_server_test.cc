// BindServer: the listening socket takes a burst of connections while the accept loop is busy.
#include "base/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace omni {
namespace {

// Starts a non-blocking connect to 127.0.0.1:port; the socket, or -1.
int StartConnect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  return fd;
}

// Whether the connect on `fd` completed within `timeout_ms`.
bool Connected(int fd, int timeout_ms) {
  pollfd p{fd, POLLOUT, 0};
  if (poll(&p, 1, timeout_ms) != 1) return false;
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  return error == 0;
}

TEST(BindServerTest, ABurstOfConnectionsIsQueuedWhileNothingAccepts) {
  httplib::Server server;
  const int port = BindServer(server, "127.0.0.1", 0);
  ASSERT_GT(port, 0);
  // The accept loop has not started: every connection waits in the listen queue. cpp-httplib's
  // own backlog of 5 would leave most of these to a SYN retry a second later.
  constexpr int kBurst = 64;
  std::vector<int> sockets;
  for (int i = 0; i < kBurst; ++i) sockets.push_back(StartConnect(port));
  int connected = 0;
  for (int fd : sockets) {
    if (Connected(fd, 500)) ++connected;
    close(fd);
  }
  EXPECT_EQ(connected, kBurst);
}

TEST(BindServerTest, AnUnknownHostIsRefused) {
  httplib::Server server;
  EXPECT_EQ(BindServer(server, "no-such-host.invalid", 0), -1);
}

}  // namespace
}  // namespace omni
