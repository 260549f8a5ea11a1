// GroupCommit: makes writes durable many at a time. Callers apply their WriteBatch unsynced
// (Store::Write), then ask AfterSync() to be told once it is on disk; one syncer thread syncs the
// WAL for everything that queued meanwhile, so one fsync covers a whole group of writes.
//
// During a store write fault (Store::WriteFault) nothing is synced: the callbacks wait until the
// store recovers (their writes were applied, and the reopened store holds them), then the syncer
// syncs and runs them.
//
// Threads: one syncer thread, from Start() to Stop() (joined). `done` runs on it: keep it short
// (hand the work back to its owner's queue).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "broker/store/store.h"

namespace omni::store {

class GroupCommit {
 public:
  using Done = std::function<void(absl::Status)>;

  explicit GroupCommit(Store& store);
  ~GroupCommit();

  void Start();
  // Syncs once more for whatever is queued, runs those callbacks, and joins the thread. During a
  // write fault it does not wait for the store: the callbacks get the fault.
  void Stop();

  // Runs `done` with OK once every write applied before this call is durable (or with the write
  // fault, if Stop() came first).
  void AfterSync(Done done);

  // Syncs performed so far (for metrics and benchmarks).
  uint64_t syncs() const;

 private:
  void Run();

  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Done> waiting_;
  bool stopping_ = false;
  // The last sync met a write fault, and the store has not changed since: wait for it.
  bool stalled_ = false;
  uint64_t store_changes_ = 0;  // write faults begun and ended (the store's observer counts)
  uint64_t syncs_ = 0;
  std::thread thread_;
};

}  // namespace omni::store
