// A terminal program run for real inside tmux: a detached session of a given size on a private
// tmux server (its own socket in a temp dir, so tests never touch anyone's tmux), driven with
// send-keys and read with capture-pane. The server is killed on destruction, also when the test
// failed.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.h"

extern char** environ;

namespace omni::testing {

class TmuxSession {
 public:
  // Starts `command` (a shell command line) in a columns×rows session.
  TmuxSession(const std::filesystem::path& dir, int columns, int rows, const std::string& command)
      : socket_((dir / "tmux.sock").string()) {
    const auto [status, out] = Tmux({"new-session", "-d", "-s", "console", "-x",
                                     std::to_string(columns), "-y", std::to_string(rows), command});
    EXPECT_EQ(status, 0) << "tmux new-session: " << out;
  }
  TmuxSession(const TmuxSession&) = delete;
  TmuxSession& operator=(const TmuxSession&) = delete;
  ~TmuxSession() { Tmux({"kill-server"}); }

  // Named keys as tmux knows them: "Enter", "C-s", "Escape", "Down".
  void Keys(const std::vector<std::string>& keys) {
    std::vector<std::string> args = {"send-keys", "-t", "console"};
    args.insert(args.end(), keys.begin(), keys.end());
    EXPECT_EQ(Tmux(args).first, 0);
  }
  // Text typed as is (UTF-8).
  void Type(const std::string& text) {
    EXPECT_EQ(Tmux({"send-keys", "-t", "console", "-l", text}).first, 0);
  }

  void Resize(int columns, int rows) {
    EXPECT_EQ(Tmux({"resize-window", "-t", "console", "-x", std::to_string(columns), "-y",
                    std::to_string(rows)})
                  .first,
              0);
  }

  // The screen as text, one line per row.
  std::string Screen() { return Tmux({"capture-pane", "-p", "-t", "console"}).second; }
  std::vector<std::string> Lines() {
    std::vector<std::string> lines;
    std::string screen = Screen();
    size_t start = 0;
    for (size_t end; (end = screen.find('\n', start)) != std::string::npos; start = end + 1) {
      lines.push_back(screen.substr(start, end - start));
    }
    return lines;
  }

  // Waits until the screen shows `text`; on a timeout the test fails showing the last screen.
  bool WaitForText(const std::string& text,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (WaitFor([&] { return Screen().find(text) != std::string::npos; }, timeout)) return true;
    ADD_FAILURE() << "the screen never showed \"" << text << "\"; it shows:\n" << Screen();
    return false;
  }

 private:
  // Runs tmux with the session's socket; the exit status and what it printed.
  std::pair<int, std::string> Tmux(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"tmux", "-u", "-S", socket_};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    // UTF-8 for the tmux server and the program in it, whatever the test runs under.
    std::vector<std::string> env = {"LC_ALL=C.UTF-8", "TERM=xterm-256color"};
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      if (!entry.starts_with("LC_ALL=") && !entry.starts_with("TERM=") &&
          !entry.starts_with("TMUX")) {
        env.push_back(entry);
      }
    }
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    // Close-on-exec, so the tmux server (which daemonizes) keeps no end of the pipe open.
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return {-1, "pipe failed"};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, "tmux", &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = read(out[0], buffer, sizeof buffer)) > 0;)
      text.append(buffer, static_cast<size_t>(n));
    close(out[0]);
    if (spawned != 0) return {-1, "cannot run tmux"};
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
  }

  std::string socket_;
};

}  // namespace omni::testing
