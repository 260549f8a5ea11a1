// The real omnibroker binary as a child process, for tests that kill it (SIGKILL) and start it
// again on the same data directory. Its output goes to broker.log in the data directory.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace omni::testing {

// A port that was free a moment ago on 127.0.0.1 (the broker binds it right after). The probe
// socket is closed for real: a listener left open would share the port and swallow connections.
inline int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class BrokerProcess {
 public:
  // Starts `binary --data-dir=<dir> <args…>`.
  BrokerProcess(const std::string& binary, const std::filesystem::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "--data-dir=" + dir.string());
    pid_ = fork();
    if (pid_ == 0) {
      const std::string log = (dir / "broker.log").string();
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  // The exit status (as from waitpid) after sending `signal`.
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  ~BrokerProcess() {
    if (pid_ > 0) Stop(SIGKILL);
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace omni::testing
