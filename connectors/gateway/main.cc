// omni-gateway: the stateless connector host process. Subcommands:
//   normalize  run a connector's inbound path on a captured payload (see normalize_command.h)
#include <iostream>
#include <string>
#include <vector>

#include "connectors/gateway/normalize_command.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "normalize") {
    return omni::gateway::RunNormalize({args.begin() + 1, args.end()}, std::cin, std::cout,
                                       std::cerr);
  }
  std::cerr << "usage: omni-gateway normalize --connector NAME [--header 'Name: value']... "
               "[--set key=value]... < payload\n";
  return 2;
}
