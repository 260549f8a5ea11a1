// GroupCommit: makes writes durable many at a time. Callers apply their WriteBatch unsynced
// (Store::Write), then ask AfterSync() to be told once it is on disk; one syncer thread syncs the
// WAL for everything that queued meanwhile, so one fsync covers a whole group of writes.
//
// During a store write fault (Store::WriteFault) nothing is synced: the callbacks wait until the
// store recovers (their writes were applied, and the reopened store holds them), then the syncer
// syncs and runs them; those asked with DuringFault::kFail get the fault at once instead.
//
// Threads: one syncer thread, from Start() to Stop() (joined). `done` runs on it: keep it short
// (hand the work back to its owner's queue).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "broker/store/store.h"

namespace omni::store {

class GroupCommit {
 public:
  using Done = std::function<void(absl::Status)>;
  // What a callback does during a write fault: wait for the store to recover (a connector's ack,
  // an agent's answer), or get the fault at once (a caller waiting on the line, as Admin's).
  enum class DuringFault { kWait, kFail };

  explicit GroupCommit(Store& store);
  ~GroupCommit();

  // Starts the syncer thread, named `thread_name` (base/thread_name.h).
  void Start(std::string thread_name = "group-commit");
  // Syncs once more for whatever is queued, runs those callbacks, and joins the thread. During a
  // write fault it does not wait for the store: the callbacks get the fault.
  void Stop();

  // Runs `done` with OK once every write applied before this call is durable; with the write
  // fault if Stop() came first, or, for kFail, as soon as a fault stops the sync (on the calling
  // thread when the syncer is already stalled by one).
  void AfterSync(Done done, DuringFault during_fault = DuringFault::kWait);

  // Syncs performed so far (for metrics and benchmarks).
  uint64_t syncs() const;

 private:
  struct Waiter {
    Done done;
    DuringFault during_fault;
  };

  void Run();

  Store& store_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiter> waiting_;
  bool stopping_ = false;
  // The last sync met a write fault, and the store has not changed since: wait for it.
  bool stalled_ = false;
  absl::Status stall_cause_;    // that sync's failure, while stalled_
  uint64_t store_changes_ = 0;  // write faults begun and ended (the store's observer counts)
  uint64_t syncs_ = 0;
  std::thread thread_;
};

}  // namespace omni::store
