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

}  // namespace omni
