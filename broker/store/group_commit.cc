#include "broker/store/group_commit.h"

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace omni::store {

GroupCommit::GroupCommit(Store& store) : store_(store) {}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Start(std::string thread_name) {
  store_.SetFaultObserver([this] {
    std::lock_guard lock(mu_);
    ++store_changes_;
    stalled_ = false;
    cv_.notify_one();
  });
  thread_ = std::thread([this, thread_name = std::move(thread_name)] {
    NameThisThread(thread_name);
    Run();
  });
}

void GroupCommit::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  store_.SetFaultObserver(nullptr);
}

void GroupCommit::AfterSync(Done done, DuringFault during_fault) {
  absl::Status fault;
  {
    std::lock_guard lock(mu_);
    if (!stalled_ || during_fault == DuringFault::kWait) {
      waiting_.push_back({std::move(done), during_fault});
      cv_.notify_one();
      return;
    }
    fault = stall_cause_;
  }
  done(fault);
}

uint64_t GroupCommit::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

void GroupCommit::Run() {
  std::deque<Waiter> abandoned;
  while (true) {
    std::deque<Waiter> group;
    uint64_t changes = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || (!waiting_.empty() && !stalled_); });
      if (waiting_.empty()) return;  // stopping, nothing left
      if (stalled_) {                // stopping during a write fault
        abandoned.swap(waiting_);
        break;
      }
      group.swap(waiting_);
      changes = store_changes_;
    }
    // Everything in `group` was written before it queued, so this one sync covers it all.
    const absl::Status s = store_.SyncWal();
    if (s.ok()) {
      {
        std::lock_guard lock(mu_);
        ++syncs_;
      }
      for (auto& waiter : group) waiter.done(absl::OkStatus());
      continue;
    }
    // A write fault: the group waits, ahead of later writes, until the store changes (a fault
    // that began during this sync is such a change: the next try meets it at once); those that
    // do not wait are told now.
    std::deque<Waiter> told;
    {
      std::lock_guard lock(mu_);
      for (auto it = group.rbegin(); it != group.rend(); ++it) {
        if (it->during_fault == DuringFault::kFail) {
          told.push_front(std::move(*it));
        } else {
          waiting_.push_front(std::move(*it));
        }
      }
      stalled_ = store_changes_ == changes;
      stall_cause_ = s;
    }
    for (auto& waiter : told) waiter.done(s);
  }
  const absl::Status fault = store_.WriteFault();
  LogWarning("group_commit", absl::StrCat("stopping during a store write fault: ", abandoned.size(),
                                          " writes were never made durable"));
  for (auto& waiter : abandoned) {
    waiter.done(fault.ok() ? absl::UnavailableError("stopped before the store could write again")
                           : fault);
  }
}

}  // namespace omni::store
