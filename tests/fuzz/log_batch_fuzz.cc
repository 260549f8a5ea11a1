// The reading of a cluster log record (a partition's write batch), on any bytes: it never
// crashes; a record it accepts names only families this broker has, carries no value on a
// delete, and survives a round trip; one it refuses has a reason.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broker/cluster/log_batch.h"
#include "tests/fuzz/fuzz_checks.h"

using omni::fuzz::Require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto record = omni::cluster::ParseLogBatch(bytes);
  if (!record.ok()) {
    Require(!record.status().message().empty());
    return 0;
  }
  for (const auto& write : record->writes()) {
    Require(write.family() < static_cast<uint32_t>(omni::store::kFamilyCount));
    Require(!write.deleted() || write.value().empty());
  }
  auto again = omni::cluster::ParseLogBatch(record->SerializeAsString());
  Require(again.ok());
  Require(again->SerializeAsString() == record->SerializeAsString());
  return 0;
}
