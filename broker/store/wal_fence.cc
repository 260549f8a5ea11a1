#include "broker/store/wal_fence.h"

#include "absl/strings/match.h"

namespace omni::store {

// A WAL file: tells the fence when a sync of it begins.
class WalFence::Wal : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  Wal(std::unique_ptr<rocksdb::FSWritableFile> file, std::string name, WalFence& fence)
      : FSWritableFileOwnerWrapper(std::move(file)), name_(std::move(name)), fence_(fence) {}
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    fence_.SyncBegins(name_);
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    fence_.SyncBegins(name_);
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }

 private:
  const std::string name_;
  WalFence& fence_;
};

WalFence::WalFence(const std::shared_ptr<rocksdb::FileSystem>& target)
    : FileSystemWrapper(target) {}

rocksdb::IOStatus WalFence::NewWritableFile(const std::string& name,
                                            const rocksdb::FileOptions& options,
                                            std::unique_ptr<rocksdb::FSWritableFile>* result,
                                            rocksdb::IODebugContext* dbg) {
  rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
  if (!s.ok() || !absl::EndsWith(name, ".log")) return s;
  {
    std::lock_guard lock(mu_);
    current_wal_ = name;
  }
  *result = std::make_unique<Wal>(std::move(*result), name, *this);
  return s;
}

absl::Status WalFence::FencedSync(const std::function<absl::Status()>& sync) {
  std::unique_lock fence(fence_);
  {
    std::lock_guard lock(mu_);
    syncer_ = std::this_thread::get_id();
    held_ = &fence;
  }
  absl::Status s = sync();
  std::lock_guard lock(mu_);
  held_ = nullptr;
  syncer_ = {};
  return s;  // `fence` unlocks here, if the current WAL's sync did not
}

void WalFence::SyncBegins(const std::string& wal) {
  std::lock_guard lock(mu_);
  if (held_ == nullptr || syncer_ != std::this_thread::get_id() || wal != current_wal_) return;
  // RocksDB has looked at the current WAL: a write failing from here on no longer matters.
  held_->unlock();
  held_ = nullptr;
}

}  // namespace omni::store
