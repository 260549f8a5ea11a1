#include "broker/partitions/partition_map.h"

#include <zlib.h>

#include "absl/strings/str_cat.h"

namespace omni::partitions {

int PartitionMap::Of(std::string_view tenant) const {
  if (auto it = assigned.find(tenant); it != assigned.end()) return it->second;
  const uLong hash = crc32(0L, reinterpret_cast<const Bytef*>(tenant.data()),
                           static_cast<uInt>(tenant.size()));
  return static_cast<int>(hash % static_cast<uLong>(count));
}

absl::Status PartitionMap::Validate() const {
  if (count < 1 || count > kMaxPartitionCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions.count: ", count, " is not within 1 to ", kMaxPartitionCount));
  }
  for (const auto& [tenant, partition] : assigned) {
    if (partition < 0 || partition >= count) {
      return absl::InvalidArgumentError(absl::StrCat("partitions.assign: tenant '", tenant,
                                                     "' to partition ", partition,
                                                     ", not within 0 to ", count - 1));
    }
  }
  return absl::OkStatus();
}

}  // namespace omni::partitions
