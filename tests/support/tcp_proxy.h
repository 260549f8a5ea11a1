// TcpProxy: a TCP relay on 127.0.0.1 between a client and a server, that a test can cut (close
// every connection at once), make refuse new connections, or make drop what the server sends
// (the server still gets the client's bytes, the client hears nothing), or drop everything (a
// black hole). For testing what a
// client does when its connection is lost for real, and (with a source address such as
// 127.0.0.2, on loopback like 127.0.0.1) what a server does per client address. One thread,
// joined on destruction.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace omni::testing {

class TcpProxy {
 public:
  // `source_address`: the address the server sees the relayed connections come from (any
  // 127.x.y.z); "" = the system's choice (127.0.0.1).
  explicit TcpProxy(int upstream_port, std::string source_address = "")
      : upstream_port_(upstream_port), source_address_(std::move(source_address)) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = Loopback(0);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(listener_, 16), 0);
    EXPECT_EQ(getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(pipe(wake_), 0);
    thread_ = std::thread([this] { Run(); });
  }
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;
  ~TcpProxy() {
    Control([this] { stop_ = true; });
    thread_.join();
    for (auto& [client, server] : pairs_) CloseBoth(client, server);
    close(listener_);
    close(wake_[0]);
    close(wake_[1]);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Closes every open connection; returns once they are closed.
  void Cut() {
    Control([this] { cut_ = true; });
  }
  // While refusing, a new connection is closed as soon as it is accepted.
  void SetRefusing(bool refusing) {
    Control([this, refusing] { refusing_ = refusing; });
  }
  // While dropping, what the server sends is thrown away.
  void SetDroppingReplies(bool dropping) {
    Control([this, dropping] { dropping_ = dropping; });
  }
  // While a black hole, what either side sends is thrown away and nobody hears of it: a network
  // that lost its route (connections stay open; a client learns only by its own timeouts).
  void SetBlackHole(bool black_hole) {
    Control([this, black_hole] { black_hole_ = black_hole; });
  }
  // How many connections were relayed (accepted while not refusing).
  int relayed() {
    std::lock_guard lock(mu_);
    return relayed_;
  }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
  }
  static void CloseBoth(int a, int b) {
    close(a);
    close(b);
  }

  // Runs `change` on the proxy's state and waits until the proxy thread applied it.
  template <typename F>
  void Control(F change) {
    std::unique_lock lock(mu_);
    change();
    const uint64_t want = ++requested_;
    const char byte = 1;
    EXPECT_EQ(write(wake_[1], &byte, 1), 1);
    applied_cv_.wait(lock, [&] { return applied_ >= want; });
  }

  void Run() {
    std::vector<char> buffer(64 * 1024);
    for (;;) {
      std::vector<pollfd> fds = {{listener_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      for (auto& [client, server] : pairs_) {
        fds.push_back({client, POLLIN, 0});
        fds.push_back({server, POLLIN, 0});
      }
      poll(fds.data(), fds.size(), -1);
      {
        std::lock_guard lock(mu_);
        if (fds[1].revents & POLLIN) {
          char drain[64];
          (void)read(wake_[0], drain, sizeof drain);
        }
        if (stop_) {
          applied_ = requested_;
          applied_cv_.notify_all();
          return;
        }
        if (cut_) {
          for (auto& [client, server] : pairs_) CloseBoth(client, server);
          pairs_.clear();
          cut_ = false;
        }
        applied_ = requested_;
        applied_cv_.notify_all();
        if (fds[1].revents & POLLIN) continue;  // the pairs polled may be gone
      }
      if (fds[0].revents & POLLIN) Accept();
      std::vector<size_t> dead;
      for (size_t i = 0; i < pairs_.size(); ++i) {
        const auto [client, server] = pairs_[i];
        bool alive = true;
        for (int side = 0; side < 2 && alive; ++side) {
          if (!(fds[2 + 2 * i + side].revents & (POLLIN | POLLHUP | POLLERR))) continue;
          const int from = side == 0 ? client : server;
          const int to = side == 0 ? server : client;
          const ssize_t n = read(from, buffer.data(), buffer.size());
          if (n <= 0) {
            alive = false;
            break;
          }
          bool drop;
          {
            std::lock_guard lock(mu_);
            drop = (side == 1 && dropping_) || black_hole_;
          }
          if (!drop && !WriteAll(to, buffer.data(), static_cast<size_t>(n))) alive = false;
        }
        if (!alive) dead.push_back(i);
      }
      for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
        CloseBoth(pairs_[*it].first, pairs_[*it].second);
        pairs_.erase(pairs_.begin() + static_cast<long>(*it));
      }
    }
  }

  void Accept() {
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    {
      std::lock_guard lock(mu_);
      if (refusing_) {
        close(client);
        return;
      }
      ++relayed_;
    }
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    if (!source_address_.empty()) {
      sockaddr_in source{};
      source.sin_family = AF_INET;
      EXPECT_EQ(inet_pton(AF_INET, source_address_.c_str(), &source.sin_addr), 1) << source_address_;
      EXPECT_EQ(bind(server, reinterpret_cast<sockaddr*>(&source), sizeof source), 0) << source_address_;
    }
    sockaddr_in addr = Loopback(upstream_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      CloseBoth(client, server);
      return;
    }
    pairs_.emplace_back(client, server);
  }

  static bool WriteAll(int fd, const char* data, size_t size) {
    while (size > 0) {
      // Not write(): a peer gone must not raise SIGPIPE in the test.
      const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  const int upstream_port_;
  const std::string source_address_;
  int listener_ = -1;
  int port_ = 0;
  int wake_[2] = {-1, -1};
  std::vector<std::pair<int, int>> pairs_;  // client, server; only the proxy thread touches them
  std::mutex mu_;
  std::condition_variable applied_cv_;
  uint64_t requested_ = 0, applied_ = 0;
  bool stop_ = false, cut_ = false, refusing_ = false, dropping_ = false,
       black_hole_ = false;
  int relayed_ = 0;
  std::thread thread_;
};

}  // namespace omni::testing
