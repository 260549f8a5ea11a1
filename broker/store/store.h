// Store: the broker's one RocksDB, with a column family per kind of record (ARCHITECTURE.md,
// Storage). Writes are unsynced here; durability comes from GroupCommit, which syncs the WAL for
// many writes at once before anything is acknowledged. Thread-safe (RocksDB is), but for
// Recover(); records are protobuf messages.
//
// Write faults: once a write, a WAL sync or a background flush or compaction fails (a full disk,
// an I/O error), the store refuses every write and sync without handing it to RocksDB, and keeps
// serving reads, until Recover() reopens it (the broker core calls it, with back-off).
#pragma once

#include <google/protobuf/message_lite.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "broker/store/wal_fence.h"

namespace omni::store {

enum class Family {
  kEvents,         // conversation id + sequence -> Event
  kConversations,  // conversation id -> Conversation
  kCustomers,      // customer id -> Customer
  kIdentities,     // tenant + provider + handle -> customer id
  kThreads,        // tenant + provider + thread key -> conversation id
  kDedupe,         // tenant + event id -> IngestAck
  kAgents,         // tenant + agent id -> Agent
  kOutbox,         // delivery id -> Delivery (outbound not yet confirmed by a connector)
  kMeta,           // schema version; Admin's run-time state (policy change, token revocations,
                   // agents removed)
  kCustomerEvents,  // customer id + stored-at + event key -> event key (history across channels)
  kAudit,           // u64 big-endian micros + id -> AuditRecord (erasures and other acts on data)
  kExpiry,          // u64 big-endian stored-at micros + event key -> tenant (retention, oldest first)
  kRouting,         // conversation id -> RoutingMemo (the router's timers, for a restart)
  kQuality,         // tenant + reviews and agents' quality records (keys.h)
};
// How many families there are: a Family's number is below it. The numbers are part of the
// cluster's log records (cluster/log_batch.h): families are only ever added at the end.
inline constexpr int kFamilyCount = static_cast<int>(Family::kQuality) + 1;

struct StoreOptions {
  std::filesystem::path dir;
  // Tests and benchmarks shrink this; production keeps RocksDB's default.
  size_t write_buffer_bytes = 64 << 20;
  // The environment whose file system RocksDB does its I/O through (the rest of it is the default
  // one); null = the real one. Tests pass one that can simulate a power cut or a full disk.
  rocksdb::Env* env = nullptr;
  // Dedupe records (IngestAck) are kept at least this long after the event was accepted, long
  // enough for provider retries (Meta retries for 36 h, WhatsApp for up to 7 days); compaction
  // drops them after it, and every table is recompacted at least daily, so the space stays
  // bounded by the window's traffic.
  std::chrono::seconds dedupe_window = std::chrono::hours(24 * 8);
  const Clock* clock = nullptr;  // for the window; null = the system clock
  // Where Write() and SyncWal() record how long they took; null = nowhere.
  Histogram* write_latency = nullptr;
  Histogram* sync_latency = nullptr;
  // Raised by 1 while the store refuses writes after a write fault (it counts the stores of a
  // broker's partitions that do); null = nowhere.
  Gauge* write_fault = nullptr;
};

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what);

// Where a store's writes go besides its own RocksDB: the cluster's partition log
// (cluster/log_leader.h).
class Replication {
 public:
  virtual ~Replication() = default;
  // Each batch, before it is applied, in the order of the writes; an error refuses the write.
  virtual absl::Status Stage(rocksdb::WriteBatch& batch) = 0;
  // Makes what was staged durable beyond this machine; SyncWal waits for it. FAILED_PRECONDITION
  // when it never will.
  virtual absl::Status Flush() = 0;
};

class Store {
 public:
  // Opens or creates the store. A directory that exists but is not a store, or a store whose
  // schema is newer, is an error that says so.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Null while the store is closed (see Recover).
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;

  // Puts `message` into `batch` under `key` (nothing while the store is closed: Write refuses the
  // batch then).
  void Put(rocksdb::WriteBatch& batch, Family family, std::string_view key,
           const google::protobuf::MessageLite& message) const;
  void Put(rocksdb::WriteBatch& batch, Family family, std::string_view key, std::string_view value) const;
  void Delete(rocksdb::WriteBatch& batch, Family family, std::string_view key) const;

  // Applies `batch` atomically, without syncing the WAL (see GroupCommit). During a write fault,
  // the fault. With a replication, the batch is staged in it first, in the order of the writes;
  // a batch it refuses is not applied, and its error is the write's.
  absl::Status Write(rocksdb::WriteBatch& batch);
  // Every batch written from now on is staged in `replication` before it is applied, and SyncWal
  // flushes it (the cluster's leader: cluster/log_leader.h); null = none. Set it while nothing
  // writes or syncs; it must outlive its use.
  void SetReplication(Replication* replication) { replication_ = replication; }
  // Makes every write applied so far durable: the WAL synced and, with a replication, flushed.
  // A replication that cannot flush is a write fault: UNAVAILABLE until Recover() flushes it
  // (its quorum answers again), or, when the replication says it never will (FAILED_PRECONDITION:
  // this store's writer was replaced), for good. During a write fault, the fault.
  absl::Status SyncWal();

  // OK while the store takes writes; during a write fault, UNAVAILABLE saying what failed.
  absl::Status WriteFault() const;
  // Ends a write fault: once a probe file can be written and synced in the store's directory,
  // closes and reopens the store, which replays its WAL (every write applied before the fault)
  // into tables. OK when the store takes writes again (at once when there was no fault); else why
  // not, and the store stays faulted (closed, with reads failing too, if the reopening failed).
  // Call it from the one thread that uses the store, between two batches (a batch built while the
  // store is closed holds nothing); only SyncWal() may run meanwhile (it waits).
  absl::Status Recover();
  // `observer` is called when a write fault begins and when it ends, on the thread that saw it
  // (under a lock of the store's: it must not call the store); null = nobody. GroupCommit uses it
  // to sync again once the store recovered.
  void SetFaultObserver(std::function<void()> observer);

  // The raw value at `key`, nullopt when absent.
  absl::StatusOr<std::optional<std::string>> GetRaw(Family family, std::string_view key) const;
  // Parses the record at `key` into `out`; false when absent.
  absl::StatusOr<bool> Get(Family family, std::string_view key, google::protobuf::MessageLite& out) const;
  // Visits every record whose key starts with `prefix`, in key order (reverse when `reverse`),
  // starting at `start` when given (inclusive); stops when `visit` returns false.
  absl::Status Scan(Family family, std::string_view prefix, bool reverse,
                    std::optional<std::string_view> start,
                    const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

  // Tests and benchmarks: the RocksDB itself (Recover() replaces it).
  rocksdb::DB* db() const { return db_.get(); }
  // Compacts a whole family now (tests; an operator's manual sweep).
  absl::Status CompactFamily(Family family);
  // A consistent copy of the whole store, taken online, in `dir` (which must not exist; tables
  // are hard-linked on the same file system, copied otherwise). Restoring = a broker started on a
  // data directory whose store/ is this copy. Returns a sequence number the copy holds.
  absl::StatusOr<uint64_t> Checkpoint(const std::filesystem::path& dir);

 private:
  class FaultListener;

  explicit Store(const StoreOptions& options);
  // Opens the RocksDB in options_.dir.
  absl::Status OpenDb();
  void CloseDb();
  absl::Status MigrateFromVersion1();
  // Begins a write fault, unless one is on: `what` failed with `cause`.
  void Fault(std::string_view what, const rocksdb::Status& cause);
  // Begins a write fault because the replication could not flush (`cause`), unless one is on.
  void ReplicationFault(const absl::Status& cause);
  // OK when a small file can be written and synced in the store's directory.
  absl::Status ProbeWrite() const;
  // UNAVAILABLE when the store is closed (a reopening failed).
  absl::Status Opened() const;

  const StoreOptions options_;
  std::unique_ptr<rocksdb::CompactionFilter> dedupe_expiry_;
  std::shared_ptr<FaultListener> fault_listener_;
  // The file system RocksDB works through: options_.env's, fenced (see WalFence).
  std::shared_ptr<WalFence> wal_fence_;
  std::unique_ptr<rocksdb::Env> env_;
  // Held by SyncWal() (GroupCommit's thread) and by Recover() while it replaces db_.
  std::mutex sync_mu_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  Histogram* write_latency_ = nullptr;
  Histogram* sync_latency_ = nullptr;
  mutable std::mutex fault_mu_;
  absl::Status fault_;  // OK, or the write fault in progress
  std::function<void()> fault_observer_;
  Replication* replication_ = nullptr;
  bool replication_fault_ = false;  // the fault in progress is the replication's (under fault_mu_)
};

}  // namespace omni::store
