// A local HTTP server on 127.0.0.1 playing a Mastodon instance for the connector's tests:
// GET /api/v1/notifications serves the mentions it was given (every time, as a server would
// after a crash lost the client's cursor) and records the min_id each poll asked for;
// POST /api/v1/statuses records the status and its Idempotency-Key.
#pragma once

#include <httplib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace omni::testing {

struct PostedStatus {
  nlohmann::json body;
  std::string idempotency_key;
};

class FakeMastodon {
 public:
  static constexpr char kToken[] = "mastodon-token";

  FakeMastodon() {
    server_.Get("/api/v1/notifications",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken ||
                      req.get_param_value("types[]") != "mention") {
                    res.status = 401;
                    return;
                  }
                  polls_.push_back(req.get_param_value("min_id"));
                  nlohmann::json page = nlohmann::json::array();
                  for (auto it = notifications_.rbegin(); it != notifications_.rend(); ++it)
                    page.push_back(*it);
                  res.set_content(page.dump(), "application/json");
                });
    server_.Post("/api/v1/statuses", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      posted_.push_back({nlohmann::json::parse(req.body), req.get_header_value("Idempotency-Key")});
      res.status = post_status_;
      res.set_content(
          post_status_ == 200
              ? R"({"id":"900"})"
              : R"({"error":"Validation failed: Text character limit of 500 exceeded"})",
          "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeMastodon() {
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

  // A mention notification `id` of status `status_id` by `acct`.
  void AddMention(const std::string& id, const std::string& status_id, const std::string& acct,
                  const std::string& text, const std::string& visibility = "direct",
                  const std::string& in_reply_to = "") {
    nlohmann::json account{{"id", "7"},
                           {"username", acct.substr(0, acct.find('@'))},
                           {"acct", acct},
                           {"display_name", "Ana"}};
    nlohmann::json status{{"id", status_id},
                          {"created_at", "2024-01-02T03:04:05.000Z"},
                          {"visibility", visibility},
                          {"language", "en"},
                          {"content", "<p>" + text + "</p>"},
                          {"account", account},
                          {"media_attachments", nlohmann::json::array()}};
    status["in_reply_to_id"] = in_reply_to.empty() ? nlohmann::json() : nlohmann::json(in_reply_to);
    std::lock_guard lock(mu_);
    notifications_.push_back({{"id", id},
                              {"type", "mention"},
                              {"created_at", "2024-01-02T03:04:06.000Z"},
                              {"account", account},
                              {"status", status}});
  }
  // Any notification JSON, served as given.
  void AddRaw(nlohmann::json notification) {
    std::lock_guard lock(mu_);
    notifications_.push_back(std::move(notification));
  }
  void set_post_status(int status) {
    std::lock_guard lock(mu_);
    post_status_ = status;
  }
  // The min_id of every poll so far, in order ("" = none).
  std::vector<std::string> polls() {
    std::lock_guard lock(mu_);
    return polls_;
  }
  std::vector<PostedStatus> posted() {
    std::lock_guard lock(mu_);
    return posted_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<nlohmann::json> notifications_;
  std::vector<std::string> polls_;
  std::vector<PostedStatus> posted_;
  int post_status_ = 200;
};

}  // namespace omni::testing
