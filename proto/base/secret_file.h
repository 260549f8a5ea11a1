// Reads a secret (a token, a key) from a file, the way `<key>_file` settings and key files are read
// everywhere: the whole file, without its trailing line breaks, and never empty.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace omni {

// The file's content without trailing "\n"/"\r"; an error naming the path when it cannot be read
// or holds nothing.
absl::StatusOr<std::string> ReadSecretFile(const std::filesystem::path& path);

// The whole file as it is (a PEM certificate chain or key, a token), or NotFound
// "<what>: cannot read <path>", `what` naming the setting or flag that gave the path.
absl::StatusOr<std::string> ReadWholeFile(const std::string& what, const std::string& path);

}  // namespace omni
