// A broker listening beyond loopback starts only with authentication (agent tokens on gRPC, CURVE
// on ingest), unless the config says `insecure: true`: check-config reports an open listener as an
// error, and the broker refuses to start before anything listens. On loopback (`./omni run`)
// nothing is needed.
#include "broker/app/exposure.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "broker/app/broker_app.h"
#include "broker/app/check_config.h"
#include "tests/support/test_support.h"

namespace omni::app {
namespace {

TEST(ExposureTest, LoopbackIsOnlyWhatThisMachineAloneReaches) {
  const std::pair<std::string, bool> cases[] = {
      {"127.0.0.1:50051", true},     {"127.10.0.3:1", true},       {"localhost:50051", true},
      {"[::1]:50051", true},         {"::1", true},                {"tcp://127.0.0.1:5570", true},
      {"tcp://127.0.0.1:*", true},   {"inproc://omni-ingest", true}, {"ipc:///run/omni", true},
      {"0.0.0.0:50051", false},      {"[::]:50051", false},        {"tcp://*:5570", false},
      {"tcp://0.0.0.0:5570", false}, {"10.0.0.5:50051", false},    {"broker:5570", false},
      {"127.0.0.1.evil:1", false},   {"127.0.0:1", false},         {"localhost.example:1", false},
      {"", false},
  };
  for (const auto& [address, loopback] : cases) EXPECT_EQ(IsLoopback(address), loopback) << address;
}

// check-config's output and exit code for a config file holding `yaml`.
std::pair<int, std::string> CheckConfig(const std::string& yaml) {
  testing::TempDir dir;
  const auto path = dir.path() / "omni.yaml";
  std::ofstream(path) << yaml;
  std::ostringstream out;
  const int code = RunCheckConfig({"--config", path.string()}, {}, out);
  return {code, out.str()};
}

TEST(ExposureTest, CheckConfigCallsAnOpenListenerAnError) {
  auto [code, out] = CheckConfig("grpc_listen: 0.0.0.0:50051\ningest_listen: tcp://*:5570\n");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("error: grpc_listen 0.0.0.0:50051 is beyond loopback without agent tokens"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("error: ingest_listen tcp://*:5570 is beyond loopback without CURVE"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("2 errors"), std::string::npos) << out;
}

TEST(ExposureTest, InsecureTrueSaysSoInSoManyWordsAndStillWarns) {
  auto [code, out] = CheckConfig("insecure: true\ngrpc_listen: 0.0.0.0:50051\n");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("warning: insecure: true: grpc_listen 0.0.0.0:50051"), std::string::npos)
      << out;
  EXPECT_EQ(CheckConfig("insecure: yes\n").first, 1) << "only true or false";
}

TEST(ExposureTest, TokensWithoutTlsBeyondLoopbackAreAWarning) {
  testing::TempDir dir;
  const auto secret = dir.path() / "token.secret";
  std::ofstream(secret) << std::string(40, 'k');
  auto [code, out] = CheckConfig("grpc_listen: 0.0.0.0:50051\n"
                                 "grpc_security: {token_secret_file: " + secret.string() + "}\n");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("warning: grpc_listen 0.0.0.0:50051 is beyond loopback in plaintext"),
            std::string::npos)
      << out;
}

TEST(ExposureTest, TheBrokerRefusesToStartOpenBeforeAnythingListens) {
  testing::TempDir dir;
  BrokerConfig config = DefaultConfig();
  config.data_dir = dir.path();
  config.grpc_listen = "0.0.0.0:0";
  config.admin_listen = "127.0.0.1:0";
  config.connectors.clear();
  BrokerApp broker(config);
  const absl::Status s = broker.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_NE(s.message().find("refusing to start open to the network: grpc_listen 0.0.0.0:0"),
            std::string::npos)
      << s;
  EXPECT_EQ(broker.admin_address(), "") << "nothing listens";
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "partitions")) << "nothing is opened";
}

TEST(ExposureTest, TheEmbeddedDefaultsStartOnLoopbackWithNothingSet) {
  const Exposure exposure = CheckExposure(DefaultConfig());
  EXPECT_TRUE(exposure.open.empty());
  EXPECT_TRUE(exposure.plaintext.empty());
}

}  // namespace
}  // namespace omni::app
