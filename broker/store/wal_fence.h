// WalFence: keeps a write from failing on the write-ahead log while a WAL sync is starting.
//
// Why: in the RocksDB the broker builds on (7.8; Debian's build keeps its assertions), syncing a
// WAL whose last append failed aborts the process (WritableFileWriter asserts). The store checks
// for a write fault before it syncs (Store::SyncWal), but RocksDB looks at the WAL a little later,
// inside DB::SyncWAL: a write failing between the two (a disk filling up under load) would abort
// the broker instead of making it refuse writes and recover.
//
// So writes (Store::Write) and the start of a sync exclude each other: the syncer holds the fence
// from its check until RocksDB begins to sync the current WAL, which this file system sees; the
// fsync itself overlaps new writes as before. A write waits microseconds, not an fsync.
//
// Threads: any. The fence is taken outside RocksDB only (by Store::Write before it calls RocksDB,
// by FencedSync before the sync), and released from inside it without waiting, so it cannot
// deadlock with RocksDB's own locks.
#pragma once

#include <rocksdb/file_system.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace omni::store {

class WalFence : public rocksdb::FileSystemWrapper {
 public:
  explicit WalFence(const std::shared_ptr<rocksdb::FileSystem>& target);
  const char* Name() const override { return "WalFence"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override;

  // Held by a writer for the whole of a write.
  std::mutex& writes() { return fence_; }
  // Runs `sync` (which syncs the WAL through this file system) holding the fence until it
  // begins to sync the current WAL, or until it returns.
  absl::Status FencedSync(const std::function<absl::Status()>& sync);

 private:
  class Wal;
  // From a WAL's Sync or Fsync, on the thread that calls it.
  void SyncBegins(const std::string& wal);

  std::mutex fence_;
  std::mutex mu_;                                 // guards what follows
  std::string current_wal_;                       // the WAL created last: the one written to
  std::thread::id syncer_;                        // the thread in FencedSync
  std::unique_lock<std::mutex>* held_ = nullptr;  // its hold on the fence, while it has it
};

}  // namespace omni::store
