// Real binaries as child processes: the omnibroker binary for tests that kill it (SIGKILL) and
// start it again on the same data directory (its output goes to broker.log there), and any other
// binary a test runs for real (omni-gateway).
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <optional>
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

// A binary run as a child process with its output appended to `log`; SIGKILLed if still running
// when destroyed.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary, std::vector<std::string> args, const std::filesystem::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      freopen(log.c_str(), "a", stdout);
      freopen(log.c_str(), "a", stderr);
      std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The exit status (as from waitpid) if the process ended on its own; nullopt while it runs.
  std::optional<int> Ended() {
    if (pid_ <= 0) return std::nullopt;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    ended_ = status;
    return status;
  }

  // The exit status (as from waitpid) after sending `signal` (none to a process that ended).
  int Stop(int signal) {
    if (pid_ <= 0) return ended_;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    ended_ = status;
    return status;
  }
  // Sends `signal` and goes on (SIGSTOP and SIGCONT freeze and thaw it: a slow machine).
  void Signal(int signal) {
    if (pid_ > 0) kill(pid_, signal);
  }
  ~ChildProcess() {
    if (pid_ > 0) Stop(SIGKILL);
  }

 private:
  pid_t pid_ = -1;
  int ended_ = 0;  // the exit status, once it ended
};

// The broker binary: `binary --data-dir=<dir> --admin-listen=127.0.0.1:0 <args…>` (an admin
// port of its own; a later --admin-listen overrides it), its output in <dir>/broker.log.
class BrokerProcess : public ChildProcess {
 public:
  BrokerProcess(const std::string& binary, const std::filesystem::path& dir, std::vector<std::string> args)
      : ChildProcess(binary, WithDataDir(dir, std::move(args)), dir / "broker.log") {}

 private:
  static std::vector<std::string> WithDataDir(const std::filesystem::path& dir, std::vector<std::string> args) {
    args.insert(args.begin(), {"--data-dir=" + dir.string(), "--admin-listen=127.0.0.1:0"});
    return args;
  }
};

}  // namespace omni::testing
