// omnibroker: the broker process. With no flags it runs a whole working system (see README);
// `omnibroker check-config` checks a configuration without starting anything; `omnibroker keygen`
// prints a new CURVE key pair for the ingest link.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/curve_keys.h"
#include "base/log.h"
#include "broker/app/broker_app.h"
#include "broker/app/check_config.h"
#include "broker/app/config_file.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const auto env = omni::connectors::ProcessEnvironment(omni::app::kEnvironmentPrefix);
  if (!args.empty() && args[0] == "check-config") {
    return omni::app::RunCheckConfig({args.begin() + 1, args.end()}, env, std::cout);
  }
  if (!args.empty() && args[0] == "keygen") {
    // One pair for the broker (secret: ingest.curve_secret_key_file; public: every gateway's
    // broker_public_key) or for a gateway (secret: its curve_secret_key_file; public: the
    // broker's ingest.allowed_client_keys).
    auto pair = omni::GenerateCurveKeyPair();
    if (!pair.ok()) {
      std::fprintf(stderr, "omnibroker keygen: %s\n", std::string(pair.status().message()).c_str());
      return 1;
    }
    std::printf("public-key: %s\nsecret-key: %s\n", pair->public_key.c_str(),
                pair->secret_key.c_str());
    return 0;
  }
  // Signals are taken by sigwait below, so no thread is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  omni::app::BrokerConfig config = omni::app::DefaultConfig();
  if (auto s = omni::app::ApplyFlags(args, config, env); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kCancelled ? 0 : 2;
  }
  omni::SetLogFormat(config.log_format);
  omni::app::BrokerApp app(config);
  if (auto s = app.Start(); !s.ok()) {
    omni::LogError("broker", absl::StrCat("cannot start: ", s.ToString()));
    return 1;
  }
  std::string webchat;
  for (const auto& c : config.connectors) {
    if (c.type == "webchat") webchat = c.Get("listen");
  }
  std::printf("omnibroker is running. Agent console and Admin gRPC: %s\n",
              app.grpc_address().c_str());
  if (!app.admin_address().empty()) {
    std::printf("Metrics: http://%s/metrics (and /livez, /readyz)\n", app.admin_address().c_str());
  }
  if (!webchat.empty()) {
    std::printf(R"TXT(
Chat as a customer (web chat on %s):
  TOKEN=$(curl -s -X POST http://%s/v1/visitors -d '{"name":"Ann"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s -X POST http://%s/v1/messages -H "Authorization: Bearer $TOKEN" -d '{"text":"Hello, my order is late"}'
  curl -s "http://%s/v1/messages?after=0&wait=30" -H "Authorization: Bearer $TOKEN"
)TXT",
                webchat.c_str(), webchat.c_str(), webchat.c_str(), webchat.c_str());
  }
  // The agents of the config (the embedded defaults have three demo agents); a broker fed from
  // Admin or a restored store may list none here.
  if (!config.agents.empty()) {
    std::vector<std::string> ids;
    for (const auto& agent : config.agents) ids.push_back(agent.id());
    std::printf(R"(
Work as an agent (configured agents: %s), with omni-console (build/agent-sdk/console/ in a checkout):
  omni-console --broker %s --agent %s
)",
                absl::StrJoin(ids, ", ").c_str(), app.grpc_address().c_str(), ids.front().c_str());
  }
  std::printf("Stop with Ctrl-C or SIGTERM.\n");
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  omni::LogInfo("broker", absl::StrCat("signal ", signal, ": stopping within ",
                                       config.shutdown_grace.count(), " s"));
  // Past the grace period the process ends anyway: nothing acknowledged is lost by that (every
  // ack follows its sync), and an orchestrator would kill it a moment later.
  auto stopped = std::async(std::launch::async, [&app] { app.Stop(); });
  if (stopped.wait_for(config.shutdown_grace) != std::future_status::ready) {
    omni::LogError("broker", "shutdown grace period passed; exiting without a clean stop");
    std::_Exit(1);
  }
  omni::LogInfo("broker", "stopped");
  return 0;
}
