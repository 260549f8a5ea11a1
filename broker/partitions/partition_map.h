// PartitionMap: which partition holds a tenant. A broker's live state is split into a fixed number
// of partitions (each its own core thread and store, see partitions.h); a tenant lives whole in
// one of them, so its routing is never split. The map is an explicit assignment where the config
// gives one, else a stable hash of the tenant's name (CRC-32: the same partition on every
// machine and release, which a store laid out by it relies on).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace omni::partitions {

inline constexpr int kDefaultPartitionCount = 16;
inline constexpr int kMaxPartitionCount = 1024;

struct PartitionMap {
  int count = kDefaultPartitionCount;
  std::map<std::string, int, std::less<>> assigned;  // tenant -> partition

  // The partition of `tenant`, in [0, count).
  int Of(std::string_view tenant) const;
  // OK when the count is within [1, kMaxPartitionCount] and every assignment within [0, count).
  absl::Status Validate() const;
};

}  // namespace omni::partitions
