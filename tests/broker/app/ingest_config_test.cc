// The `ingest:` section: keys from files and lists become the endpoint's options, the limits reach
// validation, and every mistake (a bad key, a half-configured CURVE, an empty allow-list) is an
// error naming the key.
#include "broker/app/ingest_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/curve_keys.h"
#include "broker/app/broker_config.h"
#include "broker/app/config_file.h"
#include "tests/support/test_support.h"

namespace omni::app {
namespace {

class IngestConfigTest : public ::testing::Test {
 protected:
  // The options the broker would start with, from `yaml` (with the key files in dir_).
  absl::StatusOr<ingest::IngestOptions> Resolve(const std::string& yaml,
                                                const connectors::ConfigEnvironment& env = {}) {
    BrokerConfig config = DefaultConfig();
    if (auto s = ApplyConfigText(yaml, config, env); !s.ok()) return s;
    return ResolveIngestOptions(config.ingest, config.tenant);
  }
  std::string WriteFile(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  testing::TempDir dir_;
  const CurveKeyPair broker_ = *GenerateCurveKeyPair();
  const CurveKeyPair gateway_a_ = *GenerateCurveKeyPair();
  const CurveKeyPair gateway_b_ = *GenerateCurveKeyPair();
};

TEST_F(IngestConfigTest, WithoutCurveTheEndpointIsOpenWithItsSizeLimit) {
  auto options = Resolve("ingest: {max_message_bytes: 3000000}\n");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->curve_secret_key.empty());
  EXPECT_EQ(options->max_message_bytes, 3000000);
}

TEST_F(IngestConfigTest, KeysComeFromFilesListsAndTheEnvironment) {
  const std::string secret = WriteFile("broker.secret", broker_.secret_key + "\n");
  const std::string allowed =
      WriteFile("gateways.keys", "# gateway b\n" + gateway_b_.public_key + "\n");
  auto options = Resolve("ingest: {allowed_client_keys: [\"" + gateway_a_.public_key +
                             "\"], allowed_client_keys_file: " + allowed + "}\n",
                         {{"OMNIBROKER_INGEST__CURVE_SECRET_KEY_FILE", secret}});
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->curve_secret_key, broker_.secret_key);
  ASSERT_EQ(options->clients.size(), 2u);
  // The short form: the broker's own tenant, any provider, no vouching for senders.
  for (const auto& key : {gateway_a_.public_key, gateway_b_.public_key}) {
    ASSERT_TRUE(options->clients.contains(key));
    const ingest::ConnectorGrant& grant = options->clients.at(key);
    EXPECT_TRUE(grant.AllowsTenant("default"));
    EXPECT_FALSE(grant.AllowsTenant("globex"));
    EXPECT_TRUE(grant.AllowsProvider("telegram"));
    EXPECT_FALSE(grant.may_verify_senders);
  }
}

TEST_F(IngestConfigTest, EachClientKeyIsBoundToItsTenantsAndProviders) {
  const std::string secret = WriteFile("broker.secret", broker_.secret_key);
  const std::string key_b = WriteFile("gw-b.pub", gateway_b_.public_key + "\n");
  auto options = Resolve("ingest:\n"
                         "  curve_secret_key_file: " + secret + "\n"
                         "  max_message_bytes: 4194304\n"
                         "  max_client_bytes: 41943040\n"
                         "  client_events_per_second: 900\n"
                         "  clients:\n"
                         "    - {name: gw-a, public_key: \"" + gateway_a_.public_key + "\",\n"
                         "       tenants: [acme, globex], providers: [webchat]}\n"
                         "    - {name: gw-b, public_key_file: " + key_b + ",\n"
                         "       tenants: [\"*\"], providers: [whatsapp], verify_senders: true}\n");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->receive_queue_frames, 10);
  EXPECT_EQ(options->client_events_per_second, 900);
  const ingest::ConnectorGrant& a = options->clients.at(gateway_a_.public_key);
  EXPECT_EQ(a.name, "gw-a");
  EXPECT_TRUE(a.AllowsTenant("globex"));
  EXPECT_FALSE(a.AllowsTenant("default"));
  EXPECT_TRUE(a.AllowsProvider("webchat"));
  EXPECT_FALSE(a.AllowsProvider("whatsapp"));
  EXPECT_FALSE(a.may_verify_senders);
  const ingest::ConnectorGrant& b = options->clients.at(gateway_b_.public_key);
  EXPECT_TRUE(b.AllowsTenant("anyone"));
  EXPECT_FALSE(b.AllowsProvider("webchat"));
  EXPECT_TRUE(b.may_verify_senders);
}

TEST_F(IngestConfigTest, LimitsReachValidation) {
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(
      ApplyConfigText("ingest: {limits: {max_attachments: 3, max_attachment_bytes: 1000}}", config)
          .ok());
  EXPECT_EQ(config.ingest.limits.max_attachments, 3u);
  EXPECT_EQ(config.ingest.limits.max_attachment_bytes, 1000);
  EXPECT_EQ(config.ingest.limits.max_text_bytes, ingest::Limits{}.max_text_bytes);
}

TEST_F(IngestConfigTest, MistakesAreRefusedNamingTheKey) {
  const std::string secret = WriteFile("broker.secret", broker_.secret_key);
  const std::string with_secret = "curve_secret_key_file: " + secret;
  const std::pair<std::string, std::string> cases[] = {
      {"ingest: [a]", "ingest (line 1): must be a mapping"},
      {"ingest: {limits: {max_attachments: 0}}", "ingest.limits.max_attachments (line 1)"},
      {"ingest: {limits: {max_attachment: 1}}", "ingest.limits.max_attachment (line 1): unknown"},
      {"ingest: {limits: 5}", "ingest.limits (line 1): must be a mapping"},
      {"ingest: {allowed_client_keys: x}", "ingest.allowed_client_keys (line 1): a list"},
      {"ingest: {curve_secret_key_file: \"\"}", "ingest.curve_secret_key_file (line 1)"},
      {"ingest: {" + with_secret + "}", "no connector key is allowed"},
      {"ingest: {" + with_secret + ", allowed_client_keys: [abc]}",
       "ingest.allowed_client_keys[0]: a CURVE key is 40 Z85 characters"},
      {"ingest: {" + with_secret + ", curve_secret_key: \"" + broker_.secret_key +
           "\", allowed_client_keys: [\"" + gateway_a_.public_key + "\"]}",
       "curve_secret_key or curve_secret_key_file, not both"},
      {"ingest: {curve_secret_key: short, allowed_client_keys: [\"" + gateway_a_.public_key +
           "\"]}",
       "ingest.curve_secret_key: a CURVE key is 40"},
      {"ingest: {" + with_secret + ", allowed_client_keys_file: " +
           WriteFile("bad.keys", gateway_a_.public_key + "\nnope\n") + "}",
       "bad.keys line 2: a CURVE key is 40"},
      {"ingest: {clients: x}", "ingest.clients (line 1): a list of connector keys"},
      {"ingest: {clients: [{name: a, tenants: [t], providers: [p]}]}",
       "ingest.clients[0] (line 1): needs public_key or public_key_file"},
      {"ingest: {clients: [{name: a, public_key: k, providers: [p]}]}",
       "ingest.clients[0].tenants (line 1): required"},
      {"ingest: {clients: [{name: a, public_key: k, tenants: [], providers: [p]}]}",
       "ingest.clients[0].tenants (line 1): a non-empty list of names"},
      {"ingest: {clients: [{name: a, public_key: k, tenants: [t], providers: [p], "
       "verify_senders: maybe}]}",
       "ingest.clients[0].verify_senders (line 1): true or false"},
      {"ingest: {clients: [{name: a, public_key: k, tenants: [t], providers: [p], color: red}]}",
       "ingest.clients[0].color (line 1): unknown key"},
      {"ingest: {clients: [{name: a, public_key: k, tenants: [t], providers: [p]}]}",
       "connector keys (clients, allowed_client_keys) need curve_secret_key_file"},
      {"ingest: {" + with_secret + ", clients: [{name: a, public_key: short, tenants: [t], "
       "providers: [p]}]}",
       "ingest.clients[0] (a).public_key: a CURVE key is 40"},
      {"ingest: {" + with_secret + ", allowed_client_keys: [\"" + gateway_a_.public_key +
           "\"], clients: [{name: a, public_key: \"" + gateway_a_.public_key +
           "\", tenants: [t], providers: [p]}]}",
       "ingest.clients[0] (a).public_key: the key is listed twice"},
      {"ingest: {max_message_bytes: 4194304, max_client_bytes: 1000}",
       "ingest.max_client_bytes (1000) must be at least ingest.max_message_bytes"},
  };
  for (const auto& [yaml, expected] : cases) {
    auto options = Resolve(yaml);
    ASSERT_FALSE(options.ok()) << yaml;
    EXPECT_NE(options.status().message().find(expected), std::string::npos) << yaml << "\n"
                                                                            << options.status();
  }
}

}  // namespace
}  // namespace omni::app
