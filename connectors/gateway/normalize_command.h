// `omni-gateway normalize`: runs a connector's inbound path (its factory's Normalize, the same
// code the running connector uses) on a captured payload, without a broker.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace omni::gateway {

// args: the words after "normalize". Reads the payload from `in`, prints one event per line as
// protobuf JSON to `out`; on rejection prints the reason to `err`. Returns the exit code:
// 0 normalized, 1 rejected, 2 usage error.
int RunNormalize(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                 std::ostream& err);

}  // namespace omni::gateway
