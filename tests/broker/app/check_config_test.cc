// `omnibroker check-config`: OK for the shipped example, and for each bad file every error on its
// own line naming the key and where it came from (line, variable, flag); exit code 1. Also the
// precedence flags > environment > file.
#include "broker/app/check_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "broker/app/broker_config.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_support.h"

namespace omni::app {
namespace {

using namespace std::chrono_literals;

TEST(CheckConfigTest, TheShippedExampleIsOk) {
  std::ostringstream out;
  EXPECT_EQ(RunCheckConfig({"--config", std::string(OMNI_SOURCE_DIR) + "/deploy/omnibroker.yaml"},
                           {}, out),
            0)
      << out.str();
  EXPECT_EQ(out.str().rfind("OK: data in data, gRPC on 127.0.0.1:50051, admin HTTP on "
                            "127.0.0.1:9464, 4 agents, 1 connectors",
                            0),
            0u)
      << out.str();
}

TEST(CheckConfigTest, TheTenantsAreSummed) {
  testing::TempDir dir;
  const auto path = dir.path() / "omni.yaml";
  std::ofstream(path) << "tenant: acme\ntenants:\n  - {name: globex, agents: [{id: gina}]}\n";
  std::ostringstream out;
  EXPECT_EQ(RunCheckConfig({"--config", path.string(), "--data-dir", dir.path().string()}, {}, out),
            0)
      << out.str();
  EXPECT_NE(out.str().find(", tenant acme and globex (1 agents)\n"), std::string::npos)
      << out.str();
}

TEST(CheckConfigTest, FlagsOverTheEnvironmentOverTheFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "omni.yaml";
  std::ofstream(path)
      << "tenant: file\ngrpc_listen: 127.0.0.1:7000\nadmin_listen: 127.0.0.1:7100\n";
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyFlags({"--config", path.string(), "--grpc-listen=127.0.0.1:7002"}, config,
                         {{"OMNIBROKER_GRPC_LISTEN", "127.0.0.1:7001"},
                          {"OMNIBROKER_TENANT", "env"},
                          {"OMNIBROKER_SHUTDOWN_GRACE_SECONDS", "3"}})
                  .ok());
  EXPECT_EQ(config.grpc_listen, "127.0.0.1:7002") << "the flag wins";
  EXPECT_EQ(config.tenant, "env") << "the environment beats the file";
  EXPECT_EQ(config.admin_listen, "127.0.0.1:7100") << "the file beats the default";
  EXPECT_EQ(config.shutdown_grace, 3s);
  EXPECT_EQ(config.dedupe_window, std::chrono::hours(192)) << "the default where nothing is set";

  BrokerConfig no_file = DefaultConfig();
  ASSERT_TRUE(ApplyFlags({}, no_file, {{"OMNIBROKER_LOG_FORMAT", "text"}}).ok());
  EXPECT_EQ(no_file.log_format, LogFormat::kText) << "the environment applies without a file too";
}

struct BadCase {
  std::string name;
  std::string yaml;
  connectors::ConfigEnvironment env;
  std::vector<std::string> expected;  // each a part of one error line, in order
};

class BadCheckConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadCheckConfigTest, PrintsEachErrorAndFails) {
  testing::TempDir dir;
  const auto path = dir.path() / "bad.yaml";
  std::ofstream(path) << GetParam().yaml;
  std::ostringstream out;
  EXPECT_EQ(RunCheckConfig({"--config", path.string(), "--data-dir", dir.path().string()},
                           GetParam().env, out),
            1);
  std::istringstream lines(out.str());
  std::string line;
  for (const auto& expected : GetParam().expected) {
    ASSERT_TRUE(std::getline(lines, line)) << "missing: " << expected << "\n" << out.str();
    EXPECT_EQ(line.rfind("error: ", 0), 0u) << line;
    EXPECT_NE(line.find(expected), std::string::npos) << line;
  }
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(line, absl::StrCat(GetParam().expected.size(),
                               GetParam().expected.size() == 1 ? " error" : " errors"));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadCheckConfigTest,
    ::testing::Values(
        BadCase{"NotYaml", "tenant: [", {}, {"config is not valid YAML"}},
        BadCase{"EveryBadSection",
                "tenant: acme\ndedupe_window_hours: soon\nlog_format: xml\nshutdown_grace_seconds: "
                "0\nadmin_lisen: x\n",
                {},
                {"dedupe_window_hours (line 2): a whole number of hours",
                 "log_format (line 3): json or text",
                 "shutdown_grace_seconds (line 4): a whole number of seconds",
                 "unknown section 'admin_lisen' (line 5)"}},
        BadCase{
            "BadValueFromTheEnvironment",
            "tenant: acme\n",
            {{"OMNIBROKER_DEDUPE_WINDOW_HOURS", "-1"}},
            {"dedupe_window_hours (environment OMNIBROKER_DEDUPE_WINDOW_HOURS): a whole number"}},
        BadCase{"UnknownSectionFromTheEnvironment",
                "",
                {{"OMNIBROKER_TENNANT", "x"}},
                {"unknown section 'tennant' (environment)"}},
        BadCase{
            "BadEnvironmentPath",
            "tenant: acme\n",
            {{"OMNIBROKER_TENANT__X", "y"}},
            {"environment OMNIBROKER_TENANT__X: tenant.x: the value above it is a single value"}},
        BadCase{"RoutingPolicy", "routing: {offer_timeout: 0s}\n", {}, {"routing"}},
        BadCase{"Connectors",
                "connectors:\n"
                "  - {type: fax}\n"
                "  - {type: telegram, settings: {secret_token_file: /nonexistent/omni-secret}}\n"
                "  - {type: webchat, name: telegram, settings: {token_secret: s}}\n",
                {},
                {"connectors[0] (fax).type: unknown connector type 'fax'",
                 "connector 'telegram': secret_token_file: cannot read '/nonexistent/omni-secret'",
                 "connectors[2] (telegram).name: appears twice"}},
        BadCase{"IngestSection",
                "ingest: {max_message_bytes: big, curve_key: x}\n",
                {},
                {"ingest.max_message_bytes (line 1): a whole number, at least 1"}},
        BadCase{"IngestUnknownKey",
                "ingest: {curve_key: x}\n",
                {},
                {"ingest.curve_key (line 1): unknown key; known: curve_secret_key"}},
        BadCase{"IngestSecretKeyFileMissing",
                "ingest: {allowed_client_keys: [x]}\n",
                {{"OMNIBROKER_INGEST__CURVE_SECRET_KEY_FILE", "/nonexistent/omni-curve"}},
                {"ingest.curve_secret_key_file: cannot read '/nonexistent/omni-curve'"}},
        BadCase{
            "IngestAllowListWithoutCurve",
            "ingest: {allowed_client_keys: [x]}\n",
            {},
            {"ingest: connector keys (clients, allowed_client_keys) need curve_secret_key_file"}},
        BadCase{"IngestMessageLimitBelowTheEventLimit",
                "ingest: {max_message_bytes: 1000, limits: {max_event_bytes: 1000}}\n",
                {},
                {"ingest.max_message_bytes (1000) must be above ingest.limits.max_event_bytes"}},
        BadCase{"GrpcSecurityFileMissing",
                "grpc_security: {tls_cert_file: /nonexistent/omni.crt, tls_key_file: "
                "/nonexistent/omni.key}\n",
                {},
                {"grpc_security.tls_cert_file: cannot read /nonexistent/omni.crt"}},
        BadCase{
            "GrpcSecurityKeyWithoutCertificate",
            "grpc_security: {tls_key_file: /etc/omni.key}\n",
            {},
            {"grpc_security.tls_cert_file: needed when tls_key_file or tls_client_ca_file is set"}},
        BadCase{"GrpcSecurityBadValue",
                "grpc_security:\n  token_leeway_seconds: -3\n",
                {},
                {"grpc_security.token_leeway_seconds (line 2): whole seconds, 0 to 3600"}},
        BadCase{"GrpcSecurityRateFromTheEnvironment",
                "",
                {{"OMNIBROKER_GRPC_SECURITY__RATE_LIMIT_BURST", "0"}},
                {"grpc_security.rate_limit_burst (environment "
                 "OMNIBROKER_GRPC_SECURITY__RATE_LIMIT_BURST): "
                 "a number, at least 1"}},
        BadCase{"GrpcSecurityTokenLifetime",
                "grpc_security: {token_max_lifetime_hours: 0}\n",
                {},
                {"grpc_security.token_max_lifetime_hours (line 1): whole hours, 1 to 8760"}},
        BadCase{"GrpcSecurityFailedAuthRate",
                "grpc_security: {failed_auth_per_second: often, failed_auth_burst: 0}\n",
                {},
                {"grpc_security.failed_auth_per_second (line 1): a number, 0 = no limit"}},
        BadCase{"GrpcSecurityFailedAuthBurst",
                "grpc_security:\n  failed_auth_burst: 0.5\n",
                {},
                {"grpc_security.failed_auth_burst (line 2): a number, at least 1"}},
        BadCase{"Tenants",
                "tenant: acme\n"
                "tenants:\n"
                "  - {name: acme}\n"
                "  - {name: Globex}\n",
                {},
                {"tenants[1].name (line 4): 'Globex' is not a tenant name",
                 "tenants[0].name (line 3): 'acme' is the default tenant"}},
        BadCase{"TenantFromTheEnvironment",
                "",
                {{"OMNIBROKER_TENANT", "ACME"}},
                {"tenant (environment OMNIBROKER_TENANT): 'ACME' is not a tenant name"}},
        BadCase{"TenantPolicyAndRoster",
                "tenants:\n"
                "  - name: globex\n"
                "    routing: {risk_fraction: 2}\n"
                "    agents: [{id: a}]\n",
                {},
                {"tenants[0] (globex): routing.risk_fraction must be in (0, 1], got 2 (line 3)"}},
        BadCase{"GrpcSecurityUnknownKey",
                "grpc_security: {tls_cert: /etc/omni.crt}\n",
                {},
                {"grpc_security: unknown key 'tls_cert' (line 1)"}}),
    [](const auto& info) { return info.param.name; });

// The files themselves: each must parse, the key must be the certificate's, the secret long
// enough. Certificates made with the openssl CLI.
TEST(CheckConfigTest, GrpcSecurityFilesAreReadAndChecked) {
  testing::TempDir dir;
  const testing::TestCerts certs = testing::MakeTestCerts(dir.path());
  std::ofstream(dir.path() / "short.secret") << "12345\n";
  std::ofstream(dir.path() / "good.secret") << "0123456789abcdef0123456789abcdef\n";
  std::ofstream(dir.path() / "not.pem") << "hello\n";
  auto check = [&](const std::string& section) {
    std::ofstream(dir.path() / "omni.yaml") << "grpc_security: {" << section << "}\n";
    std::ostringstream out;
    RunCheckConfig({"--config", (dir.path() / "omni.yaml").string(), "--data-dir", dir.path().string()}, {}, out);
    return out.str();
  };
  const std::string cert = "tls_cert_file: " + certs.server_cert.string();
  const std::string key = "tls_key_file: " + certs.server_key.string();
  EXPECT_EQ(check(cert + ", " + key + ", tls_client_ca_file: " + certs.ca_cert.string() +
                  ", token_secret_file: " + (dir.path() / "good.secret").string())
                .rfind("OK: ", 0),
            0u);
  EXPECT_NE(check("tls_cert_file: " + (dir.path() / "not.pem").string() + ", " + key)
                .find("tls_cert_file: " + (dir.path() / "not.pem").string() + " holds no PEM certificate"),
            std::string::npos);
  EXPECT_NE(check(cert + ", tls_key_file: " + certs.client_key.string()).find("is not the key of"),
            std::string::npos);
  EXPECT_NE(check(cert + ", " + key + ", tls_client_ca_file: " + (dir.path() / "not.pem").string())
                .find("tls_client_ca_file: " + (dir.path() / "not.pem").string() + " holds no PEM certificate"),
            std::string::npos);
  EXPECT_NE(check("token_secret_file: " + (dir.path() / "short.secret").string())
                .find("token_secret_file: " + (dir.path() / "short.secret").string() +
                      " holds 5 bytes; at least 32 are needed"),
            std::string::npos);
}

}  // namespace
}  // namespace omni::app
