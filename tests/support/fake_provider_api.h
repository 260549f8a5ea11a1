// A provider's HTTP API played on 127.0.0.1 (Telegram's Bot API, WhatsApp Cloud, the Send API…),
// since the real ones are unreachable from tests: it records every request and answers each path
// with what the test set (by default 200 and `{"ok":true}`), at once or, while held, only once
// released (a slow provider).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/http_server.h"

namespace omni::testing {

class FakeProviderApi {
 public:
  struct Request {
    std::string method;
    std::string path;  // without the query
    std::string body;
    httplib::Headers headers;
    httplib::Params params;  // query string (and form fields)
  };

  FakeProviderApi() {
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock lock(mu_);
      requests_.push_back({req.method, req.path, req.body, req.headers, req.params});
      released_.wait(lock, [&] { return !holding_; });
      auto answer = answers_.find(req.method + " " + req.path);
      const auto& [status, body] =
          answer == answers_.end() ? std::pair<int, std::string>{200, R"({"ok":true})"} : answer->second;
      res.status = status;
      res.set_content(body, "application/json");
    };
    server_.Post(".*", handler);
    server_.Get(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    EXPECT_TRUE(ListenInBackground(server_, thread_).ok());
  }
  ~FakeProviderApi() {
    Release();
    server_.stop();
    thread_.join();
  }
  FakeProviderApi(const FakeProviderApi&) = delete;
  FakeProviderApi& operator=(const FakeProviderApi&) = delete;

  // Answers `method` ("POST", "GET") requests to `path` with `status` and the JSON `body`.
  void Answer(const std::string& method, const std::string& path, int status, std::string body) {
    std::lock_guard lock(mu_);
    answers_[method + " " + path] = {status, std::move(body)};
  }

  // From now on each request waits, once recorded, until Release: a provider that is slow.
  void Hold() {
    std::lock_guard lock(mu_);
    holding_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      holding_ = false;
    }
    released_.notify_all();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The requests received so far, oldest first; only those to `path` when given.
  std::vector<Request> Requests(const std::string& path = "") {
    std::lock_guard lock(mu_);
    std::vector<Request> out;
    for (const auto& r : requests_) {
      if (path.empty() || r.path == path) out.push_back(r);
    }
    return out;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable released_;
  bool holding_ = false;
  std::map<std::string, std::pair<int, std::string>> answers_;
  std::vector<Request> requests_;
};

}  // namespace omni::testing
