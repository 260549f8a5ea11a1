// The SIP connector's TCP connections, each bounded so that no client can block the connector's
// thread, grow its memory or hold up Stop():
// - at most max_connections at once and max_connections_per_address from one address; one over
//   is accepted and closed at once (counted "tcp_connection_limit");
// - input is framed within the SIP max message size (sip_stream.h); a message over it closes the
//   connection (counted "message_too_large"), answered 513 first when its headers came;
// - output is written without blocking and what the socket does not take yet waits, up to
//   max_output_bytes; a peer that reads too little to stay under it is closed (counted
//   "tcp_output_overflow");
// - a connection that sent nothing for idle_timeout is closed, unless a call waits on it.
//
// Not thread-safe: the connector calls it with its lock held. Only the connector's thread
// accepts, reads and closes; Send may come from any thread holding the lock.
#pragma once

#include <netinet/in.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sip/sip_stream.h"

namespace omni::connectors::sip {

struct TcpLimits {
  size_t max_connections = 256;
  size_t max_connections_per_address = 32;
  std::chrono::milliseconds idle_timeout{300000};
  size_t max_output_bytes = 65536;
};

class SipTcpConnections {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SipTcpConnections(TcpLimits limits) : limits_(limits) {}
  ~SipTcpConnections() { CloseAll(); }
  SipTcpConnections(const SipTcpConnections&) = delete;
  SipTcpConnections& operator=(const SipTcpConnections&) = delete;

  // Accepts one waiting connection on `listener` (non-blocking from then on), or closes it at
  // once when it would go over a cap.
  void Accept(int listener, Clock::time_point now);
  // Adds every connection to `fds`: POLLIN, and POLLOUT while output waits.
  void AddPollFds(std::vector<pollfd>& fds) const;
  // Acts on what poll said of one connection: writes waiting output, reads what came and returns
  // the messages it completes. A peer gone, a socket error or a message too large marks the
  // connection to close; a message too large is returned last, with its status.
  std::vector<StreamMessage> Ready(const pollfd& polled, Clock::time_point now);
  // Queues `bytes` on `fd` and writes what the socket takes now; past max_output_bytes waiting
  // the connection is marked to close. Nothing for an fd that is not a connection any more.
  void Send(int fd, std::string_view bytes);
  // Closes the connections marked to close and those idle for idle_timeout unless their fd is in
  // `busy`; returns their fds (calls bound to them cannot be answered any more).
  std::vector<int> CloseFinished(Clock::time_point now, const std::set<int>& busy);
  void CloseAll();

  // The peer address of connection `fd` (zero when unknown).
  sockaddr_in address(int fd) const;
  // Refusals so far by reason, as named above.
  const std::map<std::string, int64_t>& rejections() const { return rejections_; }

 private:
  struct Connection {
    sockaddr_in address{};
    SipStream input;
    std::string output;  // accepted for sending, not yet taken by the socket
    Clock::time_point last_input;
    bool closing = false;
  };
  void Flush(int fd, Connection& connection);

  const TcpLimits limits_;
  std::map<int, Connection> connections_;
  std::map<std::string, int64_t> rejections_;
};

}  // namespace omni::connectors::sip
