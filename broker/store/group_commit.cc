#include "broker/store/group_commit.h"

namespace omni::store {

GroupCommit::GroupCommit(Store& store) : store_(store) {}

GroupCommit::~GroupCommit() { Stop(); }

void GroupCommit::Start() { thread_ = std::thread([this] { Run(); }); }

void GroupCommit::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void GroupCommit::AfterSync(Done done) {
  {
    std::lock_guard lock(mu_);
    waiting_.push_back(std::move(done));
  }
  cv_.notify_one();
}

uint64_t GroupCommit::syncs() const {
  std::lock_guard lock(mu_);
  return syncs_;
}

void GroupCommit::Run() {
  while (true) {
    std::deque<Done> group;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nothing left
      group.swap(waiting_);
    }
    // Everything in `group` was written before it queued, so this one sync covers it all.
    const absl::Status s = store_.SyncWal();
    {
      std::lock_guard lock(mu_);
      ++syncs_;
    }
    for (auto& done : group) done(s);
  }
}

}  // namespace omni::store
