// omni-gateway: the stateless connector host process. Subcommands:
//   run        host the configured connectors against a broker over tcp:// (see run_command.h)
//   normalize  run a connector's inbound path on a captured payload (see normalize_command.h)
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "connectors/gateway/normalize_command.h"
#include "connectors/gateway/run_command.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "run") {
    // Taken by sigwait in RunGateway, so no connector thread is interrupted by them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return omni::gateway::RunGateway({args.begin() + 1, args.end()}, signals, std::cout,
                                     std::cerr);
  }
  if (!args.empty() && args[0] == "normalize") {
    return omni::gateway::RunNormalize({args.begin() + 1, args.end()}, std::cin, std::cout,
                                       std::cerr);
  }
  std::cerr << "usage: omni-gateway run --config FILE [--broker tcp://HOST:PORT] [--tenant T] "
               "[--data-dir DIR] [--admin-listen HOST:PORT]\n"
               "       omni-gateway normalize --connector NAME [--header 'Name: value']... "
               "[--set key=value]... < payload\n";
  return 2;
}
