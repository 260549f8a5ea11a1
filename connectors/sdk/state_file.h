// A connector's small durable state (Mastodon's cursor, email's thread facts): replaced whole, so
// a crash leaves either the old or the new contents, never a torn file.
#pragma once

#include <filesystem>
#include <string_view>

#include "absl/status/status.h"

namespace omni::connectors {

// Writes `contents` to a temporary file beside `path`, syncs it, renames it over `path` and syncs
// the folder (creating it if needed). UNAVAILABLE with the path and the system's reason otherwise.
absl::Status ReplaceFile(const std::filesystem::path& path, std::string_view contents);

}  // namespace omni::connectors
