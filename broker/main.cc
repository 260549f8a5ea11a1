// omnibroker: the broker process. With no flags it runs a whole working system (see README).
#include <csignal>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "broker/app/broker_app.h"

int main(int argc, char** argv) {
  // Signals are taken by sigwait below, so no thread is interrupted by them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  omni::app::BrokerConfig config = omni::app::DefaultConfig();
  if (auto s = omni::app::ApplyFlags({argv + 1, argv + argc}, config); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return s.code() == absl::StatusCode::kCancelled ? 0 : 2;
  }
  omni::app::BrokerApp app(config);
  if (auto s = app.Start(); !s.ok()) {
    std::fprintf(stderr, "omnibroker: %s\n", s.ToString().c_str());
    return 1;
  }
  std::string webchat;
  for (const auto& c : config.connectors) {
    if (c.type == "webchat") webchat = c.Get("listen");
  }
  std::printf("omnibroker is running. Agent console and Admin gRPC: %s\n", app.grpc_address().c_str());
  if (!webchat.empty()) {
    std::printf(R"TXT(
Chat as a customer (web chat on %s):
  TOKEN=$(curl -s -X POST http://%s/v1/visitors -d '{"name":"Ann"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -s -X POST http://%s/v1/messages -H "Authorization: Bearer $TOKEN" -d '{"text":"Hello, my order is late"}'
  curl -s "http://%s/v1/messages?after=0&wait=30" -H "Authorization: Bearer $TOKEN"
)TXT", webchat.c_str(), webchat.c_str(), webchat.c_str(), webchat.c_str());
  }
  std::printf(R"(
Work as an agent (demo agents: alice, boris, chen):
  build/agent-sdk/console/omni-console --broker %s --agent alice
Stop with Ctrl-C.
)", app.grpc_address().c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&signals, &signal);
  std::fprintf(stderr, "omnibroker: signal %d, stopping\n", signal);
  app.Stop();
  return 0;
}
