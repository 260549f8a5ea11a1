// omni-gateway's configuration: the file's sections, the shared connectors list, flags over the
// file, and errors that name what is wrong.
#include "connectors/gateway/gateway_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace omni::gateway {
namespace {

TEST(GatewayConfigTest, ReadsEverySection) {
  GatewayConfig config;
  ASSERT_TRUE(ApplyGatewayConfigText(R"(
broker: tcp://10.0.0.5:5570
tenant: acme
data_dir: /var/lib/omni-gateway
ack_timeout_ms: 500
admin_listen: 0.0.0.0:9465
connectors:
  - {type: telegram, settings: {listen: "0.0.0.0:8443", secret_token: s}}
  - {type: webchat, name: site-chat}
)",
                                     config)
                  .ok());
  EXPECT_EQ(config.broker, "tcp://10.0.0.5:5570");
  EXPECT_EQ(config.tenant, "acme");
  EXPECT_EQ(config.data_dir, "/var/lib/omni-gateway");
  EXPECT_EQ(config.ack_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(config.admin_listen, "0.0.0.0:9465");
  ASSERT_EQ(config.connectors.size(), 2u);
  EXPECT_EQ(config.connectors[0].name, "telegram") << "the name defaults to the type";
  EXPECT_EQ(config.connectors[0].settings.at("listen"), "0.0.0.0:8443");
  EXPECT_EQ(config.connectors[1].type, "webchat");
  EXPECT_EQ(config.connectors[1].name, "site-chat");
}

TEST(GatewayConfigTest, ErrorsNameTheProblem) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"broker: [", "not valid YAML"},
      {"- a", "top level must be a mapping"},
      {"brokr: tcp://x:1", "unknown section 'brokr' (line 1)"},
      {"broker: [a, b]", "broker (line 1): must be a single value"},
      {"ack_timeout_ms: soon", "ack_timeout_ms (line 1)"},
      {"admin_listen: [a]", "admin_listen (line 1): must be a single value"},
      {"connectors: {type: telegram}", "connectors (line 1): must be a list"},
      {"connectors: [{name: x}]", "connectors[0]: needs a type"},
      {"connectors: [{type: x, settings: [1]}]", "connectors[0].settings: must be a mapping"},
      {"connectors: [{type: x, settings: {a: [1]}}]", "connectors[0].settings.a: must be a single"},
  };
  for (const auto& [text, why] : cases) {
    GatewayConfig config;
    const absl::Status s = ApplyGatewayConfigText(text, config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_NE(s.message().find(why), absl::string_view::npos) << text << " -> " << s;
  }
}

TEST(GatewayConfigTest, FlagsOverrideTheFile) {
  testing::TempDir dir;
  const auto file = dir.path() / "gateway.yaml";
  std::ofstream(file) << "broker: tcp://a:1\ntenant: acme\nconnectors: [{type: telegram}]\n";
  GatewayConfig config;
  ASSERT_TRUE(ApplyGatewayArgs({"--broker", "tcp://b:2", "--config", file.string()}, config).ok());
  EXPECT_EQ(config.broker, "tcp://b:2") << "a flag wins wherever it stands";
  EXPECT_EQ(config.tenant, "acme");
  EXPECT_EQ(config.admin_listen, "127.0.0.1:9465")
      << "the admin port is on by default, on loopback";
  GatewayConfig off;
  ASSERT_TRUE(ApplyGatewayArgs({"--config", file.string(), "--admin-listen", ""}, off).ok());
  EXPECT_EQ(off.admin_listen, "") << "--admin-listen '' turns it off";

  GatewayConfig missing;
  EXPECT_EQ(ApplyGatewayArgs({"--config", (dir.path() / "none.yaml").string()}, missing).code(),
            absl::StatusCode::kNotFound);
  GatewayConfig none;
  EXPECT_NE(ApplyGatewayArgs({"--broker", "tcp://b:2"}, none).message().find("no connectors"),
            absl::string_view::npos);
  GatewayConfig odd;
  EXPECT_NE(ApplyGatewayArgs({"--broker"}, odd).message().find("missing value after --broker"),
            absl::string_view::npos);
  GatewayConfig unknown;
  EXPECT_NE(ApplyGatewayArgs({"--brokers", "x", "--config", file.string()}, unknown)
                .message()
                .find("unknown flag --brokers"),
            absl::string_view::npos);
}

TEST(GatewayConfigTest, TheEnvironmentOverridesTheFileAndFlagsOverrideIt) {
  const std::string example = std::string(OMNI_SOURCE_DIR) + "/deploy/omni-gateway.yaml";
  GatewayConfig config;
  ASSERT_TRUE(ApplyGatewayArgs({"--config", example, "--tenant", "flag"}, config,
                               {{"OMNI_GATEWAY_BROKER", "tcp://10.0.0.9:5570"},
                                {"OMNI_GATEWAY_TENANT", "env"},
                                {"OMNI_GATEWAY_CONNECTORS__TELEGRAM__SETTINGS__BOT_TOKEN_FILE",
                                 "/run/secrets/bot"},
                                {"OMNIBROKER_TENANT", "the broker's, not ours"}})
                  .ok());
  EXPECT_EQ(config.broker, "tcp://10.0.0.9:5570");
  EXPECT_EQ(config.tenant, "flag");
  EXPECT_EQ(config.connectors[0].settings.at("bot_token_file"), "/run/secrets/bot");

  GatewayConfig bad;
  const absl::Status s =
      ApplyGatewayArgs({"--config", example}, bad, {{"OMNI_GATEWAY_ACK_TIMEOUT_MS", "soon"}});
  EXPECT_NE(
      s.message().find("ack_timeout_ms (environment OMNI_GATEWAY_ACK_TIMEOUT_MS): a whole number"),
      absl::string_view::npos)
      << s.message();
}

TEST(GatewayConfigTest, CurveKeysAreReadCheckedAndComeInPairs) {
  testing::TempDir dir;
  const CurveKeyPair broker = *GenerateCurveKeyPair();
  const CurveKeyPair own = *GenerateCurveKeyPair();
  const auto secret = dir.path() / "curve.secret";
  std::ofstream(secret) << own.secret_key << "\n";
  const auto file = dir.path() / "gateway.yaml";
  std::ofstream(file) << "connectors: [{type: telegram}]\nbroker_public_key: \""
                      << broker.public_key << "\"\n";
  GatewayConfig config;
  ASSERT_TRUE(ApplyGatewayArgs({"--config", file.string()}, config,
                               {{"OMNI_GATEWAY_CURVE_SECRET_KEY_FILE", secret.string()}})
                  .ok());
  EXPECT_TRUE(config.curve.enabled());
  EXPECT_EQ(config.curve.server_public_key, broker.public_key);
  EXPECT_EQ(config.curve.secret_key, own.secret_key);

  const std::vector<std::pair<connectors::ConfigEnvironment, std::string>> cases = {
      {{}, "CURVE needs both broker_public_key and curve_secret_key(_file), or neither"},
      {{{"OMNI_GATEWAY_CURVE_SECRET_KEY_FILE", (dir.path() / "none").string()}},
       "curve_secret_key_file: cannot read"},
      {{{"OMNI_GATEWAY_CURVE_SECRET_KEY", "short"}}, "curve_secret_key: a CURVE key is 40"},
      {{{"OMNI_GATEWAY_CURVE_SECRET_KEY", own.secret_key},
        {"OMNI_GATEWAY_CURVE_SECRET_KEY_FILE", secret.string()}},
       "not both"},
      {{{"OMNI_GATEWAY_CURVE_SECRET_KEY", own.secret_key}, {"OMNI_GATEWAY_BROKER_PUBLIC_KEY", "x"}},
       "broker_public_key: a CURVE key is 40"},
  };
  for (const auto& [env, why] : cases) {
    GatewayConfig bad;
    const absl::Status s = ApplyGatewayArgs({"--config", file.string()}, bad, env);
    EXPECT_NE(s.message().find(why), absl::string_view::npos) << why << " -> " << s;
  }
}

TEST(GatewayConfigTest, TheExampleInDeployLoads) {
  GatewayConfig config;
  const std::string example = std::string(OMNI_SOURCE_DIR) + "/deploy/omni-gateway.yaml";
  ASSERT_TRUE(ApplyGatewayArgs({"--config", example}, config).ok());
  ASSERT_EQ(config.connectors.size(), 1u);
  EXPECT_EQ(config.connectors[0].type, "telegram");
}

}  // namespace
}  // namespace omni::gateway
