// ParseLogBatch apart from the rest of log_batch.cc, so the fuzz build compiles it without the
// store (tests/fuzz/log_batch_fuzz.cc).
#include "absl/strings/str_cat.h"
#include "broker/cluster/log_batch.h"

namespace omni::cluster {

absl::StatusOr<omnibroker::v1::LogBatch> ParseLogBatch(std::string_view data) {
  omnibroker::v1::LogBatch record;
  if (!record.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return absl::DataLossError("cluster: a log record that is not a LogBatch");
  }
  for (int i = 0; i < record.writes_size(); ++i) {
    const auto& write = record.writes(i);
    if (write.family() >= static_cast<uint32_t>(store::kFamilyCount)) {
      return absl::DataLossError(absl::StrCat("cluster: a log record writes family ",
                                              write.family(), ", which this broker does not know"));
    }
    if (write.deleted() && !write.value().empty()) {
      return absl::DataLossError(
          absl::StrCat("cluster: write ", i, " of a log record is a delete with a value"));
    }
  }
  return record;
}

}  // namespace omni::cluster
