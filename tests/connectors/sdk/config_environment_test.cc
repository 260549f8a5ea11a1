// Environment overrides of a YAML config (OMNIBROKER_<PATH>, one mapping for the broker and
// omni-gateway) and secret files in connector settings: what each variable sets, and the errors
// that name the variable or the setting.
#include "connectors/sdk/config_environment.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>

#include "connectors/sdk/connector_list.h"
#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

constexpr char kFile[] = R"(
tenant: acme
routing: {offer_timeout: 20s}
connectors:
  - {type: webchat, settings: {listen: "127.0.0.1:8080"}}
  - {type: telegram, name: tg-main}
agents:
  - {id: alice}
)";

TEST(ConfigEnvironmentTest, VariablesSetTheirPath) {
  YAML::Node root = YAML::Load(kFile);
  ASSERT_EQ(ApplyEnvironment(
                  {{"OMNIBROKER_TENANT", "globex"},
                   {"OMNIBROKER_ROUTING__OFFER_TIMEOUT", "45s"},
                   {"OMNIBROKER_ROUTING__DEFAULT_LANGUAGE", "de"},
                   {"OMNIBROKER_CONNECTORS__WEBCHAT__SETTINGS__LISTEN", "0.0.0.0:80"},
                   {"OMNIBROKER_CONNECTORS__TG-MAIN__SETTINGS__BOT_TOKEN_FILE", "/run/secrets/bot"},
                   {"OMNIBROKER_AGENTS__0__DISPLAY_NAME", "Alice M."},
                   {"OMNI_GATEWAY_BROKER", "tcp://elsewhere:1"},
                   {"PATH", "/usr/bin"}},
                  "OMNIBROKER_", root)
                .ToString(),
            "OK");
  EXPECT_EQ(root["tenant"].as<std::string>(), "globex");
  EXPECT_EQ(root["routing"]["offer_timeout"].as<std::string>(), "45s");
  EXPECT_EQ(root["routing"]["default_language"].as<std::string>(), "de")
      << "a key the file lacks is added";
  EXPECT_EQ(root["connectors"][0]["settings"]["listen"].as<std::string>(), "0.0.0.0:80")
      << "named by its type";
  EXPECT_EQ(root["connectors"][1]["settings"]["bot_token_file"].as<std::string>(),
            "/run/secrets/bot");
  EXPECT_EQ(root["agents"][0]["display_name"].as<std::string>(), "Alice M.");
  EXPECT_FALSE(root["broker"]) << "another prefix is not ours";
  EXPECT_EQ(Where(root["tenant"]), "environment OMNIBROKER_TENANT");
  EXPECT_EQ(Where(root["agents"][0]["id"]), "line 8");
}

TEST(ConfigEnvironmentTest, NoFileStartsFromAnEmptyMapping) {
  YAML::Node root = YAML::Load("");
  ASSERT_TRUE(
      ApplyEnvironment({{"OMNIBROKER_DATA_DIR", "/var/lib/omni"}}, "OMNIBROKER_", root).ok());
  EXPECT_EQ(root["data_dir"].as<std::string>(), "/var/lib/omni");
}

TEST(ConfigEnvironmentTest, BadPathsAreRefusedNamingTheVariable) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"OMNIBROKER_CONNECTORS__SMTP__SETTINGS__LISTEN",
       "OMNIBROKER_CONNECTORS__SMTP__SETTINGS__LISTEN: connectors.smtp: no element"},
      {"OMNIBROKER_AGENTS__7__ID", "agents.7: no element with that index"},
      {"OMNIBROKER_TENANT__NAME", "tenant.name: the value above it is a single value"},
      {"OMNIBROKER_ROUTING", "routing: a list or mapping in the file"},
      {"OMNIBROKER_ROUTING____X", "an empty key"},
  };
  for (const auto& [variable, expected] : cases) {
    YAML::Node root = YAML::Load(kFile);
    const absl::Status s = ApplyEnvironment({{variable, "x"}}, "OMNIBROKER_", root);
    EXPECT_FALSE(s.ok()) << variable;
    EXPECT_NE(s.message().find(expected), absl::string_view::npos)
        << variable << ": " << s.message();
  }
}

TEST(SecretFilesTest, AFileSettingBecomesTheSetting) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "bot") << "123:abc\n";
  ConnectorConfig config{
      .type = "telegram",
      .name = "tg",
      .settings = {{"bot_token_file", (dir.path() / "bot").string()}, {"listen", "127.0.0.1:0"}}};
  ASSERT_TRUE(ResolveSecretFiles(config).ok());
  EXPECT_EQ(config.Get("bot_token"), "123:abc") << "the trailing newline is dropped";
  EXPECT_FALSE(config.settings.contains("bot_token_file"));
  EXPECT_EQ(config.Get("listen"), "127.0.0.1:0");
}

TEST(SecretFilesTest, MistakesNameTheConnectorAndTheSetting) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "empty");
  std::ofstream(dir.path() / "s") << "x";
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"bot_token_file", (dir.path() / "missing").string()}},
       "connector 'tg': bot_token_file: cannot read"},
      {{{"bot_token_file", (dir.path() / "empty").string()}}, "connector 'tg': bot_token_file: '"},
      {{{"bot_token_file", (dir.path() / "s").string()}, {"bot_token", "inline"}},
       "set bot_token or bot_token_file, not both"},
  };
  for (const auto& [settings, expected] : cases) {
    ConnectorConfig config{.type = "telegram", .name = "tg", .settings = settings};
    const absl::Status s = ResolveSecretFiles(config);
    EXPECT_FALSE(s.ok()) << expected;
    EXPECT_NE(s.message().find(expected), absl::string_view::npos) << s.message();
  }
}

}  // namespace
}  // namespace omni::connectors
