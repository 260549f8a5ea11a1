// A partition's write batch as a record of its log, and back (omnibroker.v1.LogBatch). The leader
// encodes each batch it applies to its store; a follower decodes it into a batch for its own store,
// whose RocksDB column family ids may differ (families travel by their store::Family number).
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/write_batch.h>

#include "absl/status/statusor.h"
#include "broker/store/store.h"
#include "omnibroker/v1/cluster.pb.h"

namespace omni::cluster {

// Adds `batch`'s writes (made through `store`'s Put and Delete) to `record`, after those it has:
// several batches make one record, applied as one. INVALID_ARGUMENT as EncodeBatch.
absl::Status AddToRecord(const store::Store& store, const rocksdb::WriteBatch& batch,
                         omnibroker::v1::LogBatch& record);
// `batch` (written through `store`'s Put and Delete) as a log record. INVALID_ARGUMENT for a write
// the store never makes (a merge, a range delete) or on a family it does not have.
absl::StatusOr<std::string> EncodeBatch(const store::Store& store, const rocksdb::WriteBatch& batch);
// Record `data` read and checked: DATA_LOSS when it is not a LogBatch, names a family this broker
// does not know (a newer broker's record), or is a delete that carries a value. The one parser of
// log records (log_batch_parse.cc, fuzzed on its own).
absl::StatusOr<omnibroker::v1::LogBatch> ParseLogBatch(std::string_view data);
// Adds record `data`'s writes to `batch`, for `store`. DATA_LOSS when it is not a LogBatch or names
// a family this store does not know (a newer broker's record).
absl::Status DecodeBatch(const store::Store& store, std::string_view data,
                         rocksdb::WriteBatch& batch);

}  // namespace omni::cluster
