// A Mastodon instance for the connector's tests, played by FakeProviderApi on 127.0.0.1:
// GET /api/v1/notifications serves the mentions it was given (every time, as a server would
// after a crash lost the client's cursor); POST /api/v1/statuses is answered as configured.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/fake_provider_api.h"

namespace omni::testing {

struct PostedStatus {
  nlohmann::json body;
  std::string idempotency_key;
};

class FakeMastodon {
 public:
  static constexpr char kToken[] = "mastodon-token";
  static constexpr char kNotifications[] = "/api/v1/notifications";
  static constexpr char kStatuses[] = "/api/v1/statuses";

  FakeMastodon() {
    set_post_status(200);
    Serve();
  }

  std::string base_url() const { return api_.base_url(); }
  std::string host() const { return base_url().substr(std::string("http://").size()); }

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
    AddRaw({{"id", id},
            {"type", "mention"},
            {"created_at", "2024-01-02T03:04:06.000Z"},
            {"account", account},
            {"status", status}});
  }
  // Any notification JSON, served as given.
  void AddRaw(nlohmann::json notification) {
    notifications_.push_back(std::move(notification));
    Serve();
  }
  void set_post_status(int status) {
    api_.Answer("POST", kStatuses, status,
                status == 200
                    ? R"({"id":"900"})"
                    : R"({"error":"Validation failed: Text character limit of 500 exceeded"})");
  }
  // The min_id of every poll so far that carried the token and asked for mentions, in order
  // ("" = none).
  std::vector<std::string> polls() {
    std::vector<std::string> min_ids;
    for (const auto& request : api_.Requests(kNotifications)) {
      auto auth = request.headers.find("Authorization");
      auto types = request.params.find("types[]");
      if (auth == request.headers.end() || auth->second != std::string("Bearer ") + kToken ||
          types == request.params.end() || types->second != "mention") {
        continue;
      }
      auto min_id = request.params.find("min_id");
      min_ids.push_back(min_id == request.params.end() ? "" : min_id->second);
    }
    return min_ids;
  }
  std::vector<PostedStatus> posted() {
    std::vector<PostedStatus> posted;
    for (const auto& request : api_.Requests(kStatuses)) {
      auto key = request.headers.find("Idempotency-Key");
      posted.push_back(
          {nlohmann::json::parse(request.body), key == request.headers.end() ? "" : key->second});
    }
    return posted;
  }

 private:
  // The page, newest first, as Mastodon orders it.
  void Serve() {
    nlohmann::json page = nlohmann::json::array();
    for (auto it = notifications_.rbegin(); it != notifications_.rend(); ++it) page.push_back(*it);
    api_.Answer("GET", kNotifications, 200, page.dump());
  }

  FakeProviderApi api_;
  std::vector<nlohmann::json> notifications_;  // oldest first; the tests add from one thread
};

}  // namespace omni::testing
