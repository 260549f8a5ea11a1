// omni-gateway run, for real: the gateway binary hosts the Telegram connector in its own process
// and talks to a real broker over tcp://. A signed update posted to the gateway is answered 200
// only once the broker stored it, reaches an agent, and the agent's reply travels back from the
// broker through the gateway to a local Bot API. SIGTERM stops the gateway cleanly (exit 0).
// Over CURVE, a gateway whose key the broker allows gets its update stored; one with another key
// is refused at the handshake (counted by the broker) and its provider is told to retry.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "base/curve_keys.h"
#include "broker/app/broker_app.h"
#include "omni/agent/agent_client.h"
#include "tests/support/admin_page.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/fake_provider_api.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using omni::testing::AdminGet;
using omni::testing::MetricSample;
using omni::testing::WaitFor;

constexpr char kSecret[] = "gw-secret-0123";
constexpr char kBotToken[] = "42:GW";

TEST(GatewayRunTest, HostsAConnectorAgainstABrokerOverTcp) {
  testing::TempDir dir;
  testing::FakeProviderApi bot_api;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerConfig config = testing::TestConfig(dir.path() / "broker", ingest);
  config.connectors.clear();  // the gateway hosts the channel
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());

  const int webhook_port = testing::FreePort();
  const auto gateway_yaml = dir.path() / "gateway.yaml";
  std::ofstream(gateway_yaml) << "tenant: default\n"
                              << "data_dir: " << (dir.path() / "gateway").string() << "\n"
                              << "admin_listen: \"\"\n"
                              << "connectors:\n"
                              << "  - type: telegram\n"
                              << "    settings: {listen: \"127.0.0.1:" << webhook_port
                              << "\", secret_token: " << kSecret << ", bot_token: \"" << kBotToken
                              << "\", api_base_url: \"" << bot_api.base_url() << "\"}\n";
  testing::ChildProcess gateway(OMNI_GATEWAY_BINARY,
                                {"run", "--config", gateway_yaml.string(), "--broker", ingest},
                                dir.path() / "gateway.log");

  httplib::Client webhook("127.0.0.1", webhook_port);
  webhook.set_read_timeout(15, 0);
  const std::string update =
      testing::ReadFile(testing::CorpusDir() / "telegram" / "courier/extracted/tg_helloMsg.json");
  // The gateway is up once its webhook accepts connections.
  ASSERT_TRUE(WaitFor([&] { return static_cast<bool>(webhook.Get("/")); }))
      << testing::ReadFile(dir.path() / "gateway.log");
  auto posted = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
                             update, "application/json");
  ASSERT_TRUE(posted);
  ASSERT_EQ(posted->status, 200) << posted->body;
  auto forged = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", "x"}},
                             update, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);

  auto agent = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = testing::NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().id(), "telegram:3527065:41");
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  ASSERT_TRUE((*agent)->SendText(*conversation, "Hello from the broker", "gw-1").ok());

  const std::string send_path = std::string("/bot") + kBotToken + "/sendMessage";
  ASSERT_TRUE(WaitFor([&] { return !bot_api.Requests(send_path).empty(); }))
      << testing::ReadFile(dir.path() / "gateway.log");
  const json sent = json::parse(bot_api.Requests(send_path).front().body);
  EXPECT_EQ(sent["chat_id"], 3527065);
  EXPECT_EQ(sent["text"], "Hello from the broker");

  const int status = gateway.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << status << "\n" << testing::ReadFile(dir.path() / "gateway.log");
  broker.Stop();
}

// A gateway hosting the Telegram connector on a free port, with CURVE `keys` toward `ingest`.
struct CurveGateway {
  CurveGateway(const std::filesystem::path& dir, const std::string& name, const std::string& ingest,
               const std::string& broker_public_key, const std::string& secret_key)
      : port(testing::FreePort()), log(dir / (name + ".log")) {
    const auto secret_file = dir / (name + ".secret");
    std::ofstream(secret_file) << secret_key << "\n";
    const auto yaml = dir / (name + ".yaml");
    std::ofstream(yaml) << "data_dir: " << (dir / name).string() << "\n"
                        << "admin_listen: \"\"\n"
                        << "broker_public_key: \"" << broker_public_key << "\"\n"
                        << "curve_secret_key_file: " << secret_file.string() << "\n"
                        << "connectors:\n  - type: telegram\n    settings: {listen: \"127.0.0.1:"
                        << port << "\", secret_token: " << kSecret << ", bot_token: \"" << kBotToken
                        << "\", ack_wait_ms: 1000}\n";
    process = std::make_unique<testing::ChildProcess>(
        OMNI_GATEWAY_BINARY,
        std::vector<std::string>{"run", "--config", yaml.string(), "--broker", ingest}, log);
  }
  // The status the gateway answers a signed update with, once it listens.
  int Post(const std::string& update) {
    httplib::Client webhook("127.0.0.1", port);
    webhook.set_read_timeout(15, 0);
    if (!WaitFor([&] { return static_cast<bool>(webhook.Get("/")); })) return -1;
    auto posted = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}},
                               update, "application/json");
    return posted ? posted->status : -1;
  }

  const int port;
  const std::filesystem::path log;
  std::unique_ptr<testing::ChildProcess> process;
};

TEST(GatewayRunTest, OverCurveOnlyAnAllowedGatewayGetsThrough) {
  testing::TempDir dir;
  const CurveKeyPair broker_keys = *GenerateCurveKeyPair();
  const CurveKeyPair allowed = *GenerateCurveKeyPair();
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerConfig config = testing::TestConfig(dir.path() / "broker", ingest);
  config.connectors.clear();
  config.ingest.curve_secret_key = broker_keys.secret_key;
  config.ingest.allowed_client_keys = {allowed.public_key};
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  const std::string update =
      testing::ReadFile(testing::CorpusDir() / "telegram" / "courier/extracted/tg_helloMsg.json");

  CurveGateway stranger(dir.path(), "stranger", ingest, broker_keys.public_key,
                        GenerateCurveKeyPair()->secret_key);
  EXPECT_EQ(stranger.Post(update), 503) << testing::ReadFile(stranger.log);
  auto& denied = broker.metrics().denial(ops::ConnectionDenial::kKeyNotAllowed);
  EXPECT_TRUE(WaitFor([&] { return denied.value() >= 1; }));
  EXPECT_EQ(broker.metrics().events_received.value(), 0u);
  EXPECT_EQ(stranger.process->Stop(SIGTERM), 0);

  CurveGateway gateway(dir.path(), "gateway", ingest, broker_keys.public_key, allowed.secret_key);
  EXPECT_EQ(gateway.Post(update), 200) << testing::ReadFile(gateway.log);
  EXPECT_EQ(broker.metrics().events_received.value(), 1u);
  const int status = gateway.process->Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  broker.Stop();
}

// Telegram's my_chat_member (the customer blocked the bot) carries no customer message: the
// webhook answers 200 (Telegram counts anything else as a failed delivery) and the gateway counts
// it on its admin port as omni_webhook_dropped_total by type; nothing reaches the broker.
TEST(GatewayRunTest, NotCustomerTrafficIsAnswered200AndCountedByType) {
  testing::TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerConfig config = testing::TestConfig(dir.path() / "broker", ingest);
  config.connectors.clear();
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());
  const int webhook_port = testing::FreePort();
  const std::string admin = "127.0.0.1:" + std::to_string(testing::FreePort());
  const auto yaml = dir.path() / "gateway.yaml";
  std::ofstream(yaml) << "data_dir: " << (dir.path() / "gateway").string() << "\n"
                      << "admin_listen: \"" << admin << "\"\n"
                      << "connectors:\n  - type: telegram\n    settings: {listen: \"127.0.0.1:"
                      << webhook_port << "\", secret_token: " << kSecret << ", bot_token: \""
                      << kBotToken << "\"}\n";
  testing::ChildProcess gateway(OMNI_GATEWAY_BINARY,
                                {"run", "--config", yaml.string(), "--broker", ingest},
                                dir.path() / "gateway.log");
  ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 200; }))
      << testing::ReadFile(dir.path() / "gateway.log");

  httplib::Client webhook("127.0.0.1", webhook_port);
  webhook.set_read_timeout(15, 0);
  // The Bot API's Update with a ChatMemberUpdated: the bot was blocked in a private chat.
  const std::string blocked =
      R"({"update_id":900,"my_chat_member":{"chat":{"id":42,"type":"private","first_name":"Ana"},)"
      R"("from":{"id":42,"is_bot":false,"first_name":"Ana"},"date":1700000000,)"
      R"("old_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"Bot"}},)"
      R"("new_chat_member":{"status":"kicked","until_date":0,"user":{"id":7,"is_bot":true,"first_name":"Bot"}}}})";
  for (int i = 0; i < 2; ++i) {
    auto answered =
        webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", kSecret}}, blocked,
                     "application/json");
    ASSERT_TRUE(answered);
    EXPECT_EQ(answered->status, 200) << answered->body;
  }
  auto forged = webhook.Post("/telegram/webhook", {{"X-Telegram-Bot-Api-Secret-Token", "guess"}},
                             blocked, "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 403);

  const auto [status, page] = AdminGet(admin, "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(MetricSample(
                page, R"(omni_webhook_dropped_total{connector="telegram",type="my_chat_member"})"),
            2)
      << page;
  EXPECT_NE(page.find("# TYPE omni_webhook_dropped_total counter\n"), std::string::npos);
  EXPECT_EQ(
      MetricSample(
          page, R"(omni_webhook_rejections_total{connector="telegram",reason="unauthenticated"})"),
      1);
  EXPECT_EQ(MetricSample(page, R"(omni_connector_events_published_total{connector="telegram"})"),
            0);
  EXPECT_EQ(broker.metrics().events_received.value(), 0u);

  const int exit = gateway.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  broker.Stop();
}

// The gateway's admin port: /livez and /readyz once its connector listens, and /metrics with the
// connector's refusals (a body above max_body_bytes, a POST beyond the rate limit), its published
// event and the broker's ack, counted exactly as the webhook answered them.
TEST(GatewayRunTest, ServesMetricsAndReadinessOnItsAdminPort) {
  testing::TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerConfig config = testing::TestConfig(dir.path() / "broker", ingest);
  config.connectors.clear();
  app::BrokerApp broker(config);
  ASSERT_OK(broker.Start());

  const int webhook_port = testing::FreePort();
  const std::string admin = "127.0.0.1:" + std::to_string(testing::FreePort());
  const auto yaml = dir.path() / "gateway.yaml";
  // One request per second with a burst of one: a POST right after another is refused.
  std::ofstream(yaml) << "data_dir: " << (dir.path() / "gateway").string() << "\n"
                      << "admin_listen: \"" << admin << "\"\n"
                      << "connectors:\n  - type: telegram\n    settings: {listen: \"127.0.0.1:"
                      << webhook_port << "\", secret_token: " << kSecret << ", bot_token: \""
                      << kBotToken << "\", max_body_bytes: 1024, rate_limit_per_second: 1, "
                      << "rate_limit_burst: 1}\n";
  testing::ChildProcess gateway(OMNI_GATEWAY_BINARY,
                                {"run", "--config", yaml.string(), "--broker", ingest},
                                dir.path() / "gateway.log");
  ASSERT_TRUE(WaitFor([&] { return AdminGet(admin, "/readyz").first == 200; }))
      << testing::ReadFile(dir.path() / "gateway.log");
  EXPECT_EQ(AdminGet(admin, "/readyz").second, "ok\n");
  EXPECT_EQ(AdminGet(admin, "/livez").first, 200);

  httplib::Client webhook("127.0.0.1", webhook_port);
  webhook.set_read_timeout(15, 0);
  const httplib::Headers signed_header = {{"X-Telegram-Bot-Api-Secret-Token", kSecret}};
  const std::string update =
      testing::ReadFile(testing::CorpusDir() / "telegram" / "courier/extracted/tg_helloMsg.json");
  auto stored = webhook.Post("/telegram/webhook", signed_header, update, "application/json");
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 200) << stored->body;
  // A body too large is refused 413 before anything else; a signed update that fails to parse
  // proves nothing and takes none of the provider's tokens (400); a signed update right after the
  // stored one finds the bucket empty (429), or a token again a second later (200, deduplicated).
  const std::string too_large(2048, ' ');
  auto oversized = webhook.Post("/telegram/webhook", signed_header, too_large, "application/json");
  ASSERT_TRUE(oversized);
  EXPECT_EQ(oversized->status, 413);
  auto malformed = webhook.Post("/telegram/webhook", signed_header, "{", "application/json");
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->status, 400);
  std::map<int, int> answered;
  EXPECT_TRUE(WaitFor([&] {
    auto res = webhook.Post("/telegram/webhook", signed_header, update, "application/json");
    ++answered[res ? res->status : 0];
    return answered[429] > 0;
  }));
  const int resent = answered[200];  // each a duplicate of the stored update
  answered.erase(200);
  EXPECT_EQ(answered.size(), 1u) << "nothing but 200 and 429";

  const auto [status, page] = AdminGet(admin, "/metrics");
  EXPECT_EQ(status, 200);
  // The telegram connector's sample of `family`, with `more` labels after its own.
  const auto telegram = [&page](const std::string& family, const std::string& more = "") {
    return MetricSample(page, family + R"({connector="telegram")" + more + "}");
  };
  EXPECT_EQ(telegram("omni_webhook_rejections_total", R"(,reason="body_too_large")"), 1) << page;
  EXPECT_EQ(telegram("omni_webhook_rejections_total", R"(,reason="malformed")"), 1);
  EXPECT_EQ(telegram("omni_webhook_rejections_total", R"(,reason="rate_limited")"), answered[429]);
  EXPECT_NE(page.find("# TYPE omni_webhook_rejections_total counter\n"), std::string::npos);
  EXPECT_EQ(telegram("omni_connector_events_published_total"), 1 + resent);
  EXPECT_EQ(telegram("omni_connector_acks_total", R"(,status="accepted")"), 1);
  EXPECT_EQ(telegram("omni_connector_acks_total", R"(,status="duplicate")"), resent);
  EXPECT_EQ(telegram("omni_connector_acks_total", R"(,status="rejected")"), 0);
  EXPECT_EQ(telegram("omni_connector_publish_failures_total"), 0);
  EXPECT_EQ(telegram("omni_connector_outbox_events"), 0);

  const int exit = gateway.Stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit) && WEXITSTATUS(exit) == 0) << exit;
  EXPECT_EQ(AdminGet(admin, "/livez").first, 0) << "the admin port closes with the gateway";
  broker.Stop();
}

}  // namespace
}  // namespace omni
