// ProviderClient against a real local HTTP server playing a provider API on 127.0.0.1.
#include "connectors/sdk/provider_client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "base/http_server.h"

namespace omni::connectors {
namespace {

class FakeProvider {
 public:
  FakeProvider() {
    server_.Post("/v19.0/123/messages", [this](const httplib::Request& req, httplib::Response& res) {
      last_auth = req.get_header_value("Authorization");
      last_idempotency_key = req.get_header_value("Idempotency-Key");
      last_body = req.body;
      res.status = reply_status;
      res.set_content(R"({"messages":[{"id":"wamid.1"}]})", "application/json");
    });
    server_.Get("/v19.0/notifications", [this](const httplib::Request& req, httplib::Response& res) {
      last_auth = req.get_header_value("Authorization");
      last_accept = req.get_header_value("Accept");
      last_query = req.get_param_value("types[]") + "," + req.get_param_value("min_id");
      res.status = reply_status;
      res.set_content(R"([{"id":"1"}])", "application/json");
    });
    server_.Post("/slow", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return released_; });  // until the test saw the client time out
      res.status = 200;
    });
    port = server_.bind_to_any_port("127.0.0.1");
    EXPECT_TRUE(ListenInBackground(server_, thread_).ok());
  }
  ~FakeProvider() {
    Release();
    server_.stop();
    thread_.join();
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

  int port = 0;
  int reply_status = 200;
  std::string last_auth, last_body, last_accept, last_query, last_idempotency_key;

 private:
  httplib::Server server_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

ProviderClient Client(int port, std::string suffix = "/v19.0/") {
  ProviderClientOptions options;
  options.base_url = "http://127.0.0.1:" + std::to_string(port) + suffix;
  options.read_timeout = std::chrono::milliseconds(200);
  options.headers = {{"Authorization", "Bearer t0k"}};
  auto client = ProviderClient::Create(options);
  EXPECT_TRUE(client.ok()) << client.status();
  return *std::move(client);
}

TEST(ProviderClientTest, PostsJsonUnderTheBaseUrlPrefixWithHeaders) {
  FakeProvider provider;
  auto response = Client(provider.port).PostJson("/123/messages", R"({"to":"1"})");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("wamid.1"), std::string::npos);
  EXPECT_EQ(provider.last_auth, "Bearer t0k");
  EXPECT_EQ(provider.last_body, R"({"to":"1"})");
  EXPECT_TRUE(StatusFromHttp(*response, "send").ok());
}

TEST(ProviderClientTest, PostsWithPerRequestHeadersBesideTheFixedOnes) {
  FakeProvider provider;
  const ProviderClient client = Client(provider.port);
  auto keyed = client.PostJson("/123/messages", "{}", {{"Idempotency-Key", "event-1"}});
  ASSERT_TRUE(keyed.ok()) << keyed.status();
  EXPECT_EQ(provider.last_idempotency_key, "event-1");
  EXPECT_EQ(provider.last_auth, "Bearer t0k");
  auto plain = client.PostJson("/123/messages", "{}");  // the extra header was for one request
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(provider.last_idempotency_key, "");
}

TEST(ProviderClientTest, GetsJsonWithTheQueryAndHeaders) {
  FakeProvider provider;
  auto response = Client(provider.port).GetJson("/notifications?types%5B%5D=mention&min_id=42");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"([{"id":"1"}])");
  EXPECT_EQ(provider.last_auth, "Bearer t0k");
  EXPECT_EQ(provider.last_accept, "application/json");
  EXPECT_EQ(provider.last_query, "mention,42");
  provider.reply_status = 503;
  auto unavailable = Client(provider.port).GetJson("/notifications");
  ASSERT_TRUE(unavailable.ok()) << unavailable.status();
  EXPECT_EQ(StatusFromHttp(*unavailable, "poll").code(), absl::StatusCode::kUnavailable);
}

TEST(ProviderClientTest, HttpErrorsMapToRetryableOrPermanent) {
  FakeProvider provider;
  const ProviderClient client = Client(provider.port);
  for (auto [http, code] :
       std::vector<std::pair<int, absl::StatusCode>>{{500, absl::StatusCode::kUnavailable},
                                                     {429, absl::StatusCode::kUnavailable},
                                                     {403, absl::StatusCode::kPermissionDenied},
                                                     {400, absl::StatusCode::kInvalidArgument}}) {
    provider.reply_status = http;
    auto response = client.PostJson("/123/messages", "{}");
    ASSERT_TRUE(response.ok()) << response.status();
    const absl::Status status = StatusFromHttp(*response, "whatsapp messages");
    EXPECT_EQ(status.code(), code) << http;
    EXPECT_NE(status.message().find("whatsapp messages answered HTTP " + std::to_string(http)),
              absl::string_view::npos)
        << status;
  }
}

TEST(ProviderClientTest, TimeoutAndRefusedAreUnavailable) {
  FakeProvider provider;
  auto slow = Client(provider.port, "").PostJson("/slow", "{}");
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kUnavailable);
  provider.Release();

  int closed_port;
  {
    httplib::Server probe;
    closed_port = probe.bind_to_any_port("127.0.0.1");
  }  // nothing listens there any more
  auto refused = Client(closed_port).PostJson("/123/messages", "{}");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
}

// Secrets travel in the URL (Telegram's /bot<token>/, VK's access_token=) and headers; a provider or
// proxy may echo them in its error body. The errors name the request without them.
TEST(ProviderClientTest, ErrorsNeverCarryTheSecretsOfTheRequest) {
  int closed_port;
  {
    httplib::Server probe;
    closed_port = probe.bind_to_any_port("127.0.0.1");
  }
  const ProviderClient client = Client(closed_port, "/prefix");
  auto telegram = client.PostJson("/bot7012345678:AAHdqTcvCH1vGWJx/sendMessage", "{}");
  ASSERT_EQ(telegram.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(telegram.status().message().find("/prefix/bot<redacted>/sendMessage failed"),
            absl::string_view::npos)
      << telegram.status();
  EXPECT_EQ(telegram.status().message().find("AAHdqTcvCH1vGWJx"), absl::string_view::npos);
  auto vk = client.PostJson("/method/messages.send?peer_id=2&access_token=vk1.a.S3CR3T&v=5.199", "");
  ASSERT_FALSE(vk.ok());
  EXPECT_NE(vk.status().message().find("access_token=<redacted>&v=5.199"), absl::string_view::npos)
      << vk.status();
  EXPECT_EQ(vk.status().message().find("S3CR3T"), absl::string_view::npos);

  const absl::Status echoed = StatusFromHttp(
      ProviderResponse{.status = 502,
                       .body = "bad gateway for POST /bot123:AAH-secret/sendMessage\r\n"
                               "Authorization: Bearer EAAB-secret\r\n?access_token=vk-secret"},
      "send");
  EXPECT_EQ(echoed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(echoed.message().find("secret"), absl::string_view::npos) << echoed;
  EXPECT_NE(echoed.message().find("/bot<redacted>/sendMessage"), absl::string_view::npos) << echoed;
}

TEST(ProviderClientTest, RejectsBadBaseUrls) {
  for (const char* url : {"", "api.telegram.org", "ftp://x", "http://", "https:///v1"}) {
    ProviderClientOptions options;
    options.base_url = url;
    EXPECT_EQ(ProviderClient::Create(options).status().code(), absl::StatusCode::kInvalidArgument)
        << url;
  }
}

}  // namespace
}  // namespace omni::connectors
