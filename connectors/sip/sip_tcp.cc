// Non-blocking sockets throughout: accept4 with SOCK_NONBLOCK, recv of at most what the stream has
// room for, send with MSG_DONTWAIT (and MSG_NOSIGNAL: a peer gone must not raise SIGPIPE).
#include "connectors/sip/sip_tcp.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace omni::connectors::sip {
namespace {

// Connections accepted per poll round: a burst waits in the backlog for the next round rather
// than starving the UDP socket.
constexpr int kAcceptsPerRound = 64;

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

void SipTcpConnections::Accept(int listener, Clock::time_point now) {
  for (int i = 0; i < kAcceptsPerRound; ++i) {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    const int fd = accept4(listener, reinterpret_cast<sockaddr*>(&address), &length,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    const size_t from_address =
        std::count_if(connections_.begin(), connections_.end(), [&](const auto& entry) {
          return entry.second.address.sin_addr.s_addr == address.sin_addr.s_addr;
        });
    if (connections_.size() >= limits_.max_connections ||
        from_address >= limits_.max_connections_per_address) {
      close(fd);
      ++rejections_["tcp_connection_limit"];
      continue;
    }
    Connection& connection = connections_[fd];
    connection.address = address;
    connection.last_input = now;
  }
}

void SipTcpConnections::AddPollFds(std::vector<pollfd>& fds) const {
  for (const auto& [fd, connection] : connections_) {
    const short events = connection.output.empty() ? POLLIN : POLLIN | POLLOUT;
    fds.push_back({fd, events, 0});
  }
}

std::vector<StreamMessage> SipTcpConnections::Ready(const pollfd& polled, Clock::time_point now) {
  auto it = connections_.find(polled.fd);
  if (it == connections_.end()) return {};
  Connection& connection = it->second;
  if (polled.revents & POLLOUT) Flush(polled.fd, connection);
  if (connection.closing || (polled.revents & (POLLIN | POLLHUP | POLLERR)) == 0) return {};
  char buffer[kMaxMessageBytes];
  const ssize_t n =
      recv(polled.fd, buffer, std::min(sizeof(buffer), connection.input.room()), MSG_DONTWAIT);
  if (n < 0 && WouldBlock(errno)) return {};
  if (n <= 0) {  // the peer closed, or the connection broke
    connection.closing = true;
    return {};
  }
  connection.last_input = now;
  connection.input.Append(std::string_view(buffer, n));
  std::vector<StreamMessage> messages;
  while (auto message = connection.input.Next()) {
    messages.push_back(*std::move(message));
    if (!messages.back().status.ok()) {
      connection.closing = true;
      ++rejections_["message_too_large"];
      break;
    }
  }
  return messages;
}

void SipTcpConnections::Send(int fd, std::string_view bytes) {
  auto it = connections_.find(fd);
  if (it == connections_.end()) return;
  Connection& connection = it->second;
  if (connection.output.size() + bytes.size() > limits_.max_output_bytes) {
    if (!connection.closing) ++rejections_["tcp_output_overflow"];
    connection.closing = true;
    connection.output.clear();
    return;
  }
  connection.output.append(bytes);
  Flush(fd, connection);
}

void SipTcpConnections::Flush(int fd, Connection& connection) {
  while (!connection.output.empty()) {
    const ssize_t n =
        send(fd, connection.output.data(), connection.output.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && WouldBlock(errno)) return;
    if (n <= 0) {  // the peer is gone: nothing more reaches it
      connection.closing = true;
      connection.output.clear();
      return;
    }
    connection.output.erase(0, n);
  }
}

std::vector<int> SipTcpConnections::CloseFinished(Clock::time_point now,
                                                  const std::set<int>& busy) {
  std::vector<int> closed;
  for (auto it = connections_.begin(); it != connections_.end();) {
    auto& [fd, connection] = *it;
    const bool idle = !busy.contains(fd) && now - connection.last_input >= limits_.idle_timeout;
    if (!connection.closing && !idle) {
      ++it;
      continue;
    }
    Flush(fd, connection);  // what the socket takes now (a 513 before the close)
    closed.push_back(fd);
    close(fd);
    it = connections_.erase(it);
  }
  return closed;
}

void SipTcpConnections::CloseAll() {
  for (const auto& [fd, unused] : connections_) close(fd);
  connections_.clear();
}

sockaddr_in SipTcpConnections::address(int fd) const {
  auto it = connections_.find(fd);
  return it == connections_.end() ? sockaddr_in{} : it->second.address;
}

}  // namespace omni::connectors::sip
