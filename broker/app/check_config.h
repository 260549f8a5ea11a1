// `omnibroker check-config [flags]`: the configuration the broker would run with (defaults, the
// file, the environment, the flags) checked without starting anything. Prints OK and a summary,
// or each error on its own line naming the key and where it came from (file line, variable,
// flag). A connector's own settings are checked by its factory when the broker starts; here its
// type, its name and its secret files are.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "connectors/sdk/config_environment.h"

namespace omni::app {

// The exit code: 0 when the configuration is valid, 1 when not.
int RunCheckConfig(const std::vector<std::string>& args, const connectors::ConfigEnvironment& env,
                   std::ostream& out);

}  // namespace omni::app
