// PartitionLog: a partition's log in NATS JetStream, the append-only record of its changes that
// the cluster replicates (docs/cluster.md). One stream per partition, `<prefix>_P<n>` on subject
// `<prefix>.p.<n>`, on file storage with `replicas` copies: JetStream acknowledges an append once
// a quorum of them holds it, so an acknowledged record survives the loss of a minority.
//
// Fencing: every append names the sequence it expects the log to end at, and JetStream refuses
// it otherwise (FAILED_PRECONDITION). A leader that was deposed (another appended meanwhile)
// learns it on its next append, and nothing it writes after that reaches the log: the data path
// itself keeps two leaders apart, whatever the leases say.
//
// An append that timed out may have happened or not. Give each record an id (the writer's own,
// unique per record): repeating an append with the same id within the stream's duplicate window
// (2 minutes) answers with the sequence the first one got, and appends nothing twice.
//
// Thread-safe, as JetStream is.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "broker/cluster/jetstream.h"

namespace omni::cluster {

struct PartitionLogOptions {
  std::string prefix = "OMNI";  // names the streams and subjects: one installation's
  int replicas = 1;             // copies of each record (3 in production: survives one loss)
};

struct LogRecord {
  uint64_t sequence = 0;
  std::string id;  // as appended
  std::string data;
};

struct LogBounds {
  uint64_t first = 0;  // the oldest record kept (0: none)
  uint64_t last = 0;   // the newest record (0: never written)
};

class PartitionLog {
 public:
  // The log of partition `partition`: its stream created if it does not exist, checked
  // (subject, storage, replicas) if it does.
  static absl::StatusOr<std::unique_ptr<PartitionLog>> Open(JetStream& js, int partition,
                                                            const PartitionLogOptions& options);

  // Whether partition `partition`'s log exists (some broker led it once).
  static absl::StatusOr<bool> Exists(JetStream& js, int partition,
                                     const PartitionLogOptions& options);

  const std::string& stream() const { return stream_; }

  // Appends `data` after record `expected_last` (0: the log was never written) and returns its
  // sequence once a quorum holds it. FAILED_PRECONDITION when the log does not end there (another
  // writer appended: this one is fenced off); UNAVAILABLE when no quorum answered in time (then
  // repeat it with the same `id`, or read the log, to learn whether it happened).
  absl::StatusOr<uint64_t> Append(std::string_view id, std::string_view data,
                                  uint64_t expected_last);
  absl::StatusOr<LogBounds> Bounds() const;
  // Record `sequence`; NOT_FOUND when it was trimmed or not written yet.
  absl::StatusOr<LogRecord> Read(uint64_t sequence) const;
  // Drops the records before `sequence` (a snapshot holds what they did). The newest record is
  // always kept, so the log's end stays known to the next appender.
  absl::Status TrimBefore(uint64_t sequence);

 private:
  PartitionLog(JetStream& js, std::string stream, std::string subject)
      : js_(js), stream_(std::move(stream)), subject_(std::move(subject)) {}

  JetStream& js_;
  const std::string stream_;
  const std::string subject_;
};

}  // namespace omni::cluster
