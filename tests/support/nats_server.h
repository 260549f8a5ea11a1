// Real NATS servers with JetStream (Debian's nats-server), as child processes on 127.0.0.1 ports
// picked free: one alone, or three clustered. Each keeps its store in its own directory, so a
// test can kill one (SIGKILL) and start it again on the same data.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/cluster/jetstream.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni::testing {

inline constexpr char kNatsServer[] = "/usr/sbin/nats-server";

class NatsServers {
 public:
  // `count` servers (1, or 3 for a cluster) keeping their stores under `dir`.
  NatsServers(const std::filesystem::path& dir, int count) : dir_(dir) {
    for (int i = 0; i < count; ++i) {
      client_ports_.push_back(FreePort());
      cluster_ports_.push_back(FreePort());
    }
    processes_.resize(count);
    for (int i = 0; i < count; ++i) Start(i);
  }

  int size() const { return static_cast<int>(client_ports_.size()); }
  std::string Url(int i) const { return absl::StrCat("nats://127.0.0.1:", client_ports_[i]); }
  std::vector<std::string> Urls() const {
    std::vector<std::string> urls;
    for (int i = 0; i < size(); ++i) urls.push_back(Url(i));
    return urls;
  }

  // Server `i` started (again) on its store, with its config.
  void Start(int i) {
    const std::filesystem::path home = dir_ / absl::StrCat("n", i);
    std::filesystem::create_directories(home);
    std::ofstream config(home / "nats.conf");
    config << "server_name: n" << i << "\nlisten: 127.0.0.1:" << client_ports_[i]
           << "\njetstream { store_dir: \"" << (home / "js").string()
           << "\", max_memory_store: 64MB, max_file_store: 1GB }\n";
    if (size() > 1) {
      std::vector<std::string> routes;
      for (int j = 0; j < size(); ++j) {
        if (j != i) routes.push_back(absl::StrCat("nats-route://127.0.0.1:", cluster_ports_[j]));
      }
      config << "cluster { name: omni-test, listen: 127.0.0.1:" << cluster_ports_[i]
             << ", routes: [" << absl::StrJoin(routes, ", ") << "] }\n";
    }
    config.close();
    processes_[i] = std::make_unique<ChildProcess>(
        kNatsServer, std::vector<std::string>{"-c", (home / "nats.conf").string()},
        home / "nats.log");
  }
  // Server `i` killed at once (SIGKILL): what it had written stays in its store.
  void Kill(int i) {
    processes_[i]->Stop(SIGKILL);
    processes_[i].reset();
  }

  // Waits until JetStream answers through the servers running (in a cluster: a meta leader is
  // elected), at most `within`.
  bool WaitReady(std::chrono::seconds within = std::chrono::seconds(30)) const {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (std::chrono::steady_clock::now() < deadline) {
      auto js = cluster::JetStream::Connect({.servers = Urls(), .timeout = std::chrono::seconds(1)});
      if (js.ok()) {
        jsAccountInfo* info = nullptr;
        jsErrCode code = jsErrCode(0);
        if (js_GetAccountInfo(&info, (*js)->context(), nullptr, &code) == NATS_OK) {
          jsAccountInfo_Destroy(info);
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  const std::filesystem::path dir_;
  std::vector<int> client_ports_, cluster_ports_;
  std::vector<std::unique_ptr<ChildProcess>> processes_;
};

// A test with one NATS server of its own, ready before the test runs.
class OneNatsServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(servers_.WaitReady()); }

  TempDir dir_;
  NatsServers servers_{dir_.path() / "nats", 1};
};

}  // namespace omni::testing
