// A RocksDB FileSystem that remembers how much of each file written through it has been synced,
// so a test can take the picture of the disk that a power cut would leave: every such file cut
// back to its last Sync/Fsync (RangeSync promises nothing and does not count), files created
// after the cut absent.
//
// Use: db->DisableFileDeletions(); auto cut = fs->Cut(dir); ...; fs->CopyAfterCut(cut, dir, to);
// db->EnableFileDeletions(). Writing may go on meanwhile: only the cut's sizes count.
//
// It also plays a full disk: while FailWrites(true), every append and sync of a file written
// through it fails as ENOSPC does on the real file system (RocksDB's NoSpace, retryable), writing
// nothing; files can still be created, as on a full disk. FailAppends(true) fails the appends
// only, as a full tmpfs does (what was written syncs); FailSyncs(true) the syncs only, as a disk
// whose write-back meets a full disk (ext4's delayed allocation) does.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>

namespace omni::testing {

class PowerLossFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // The disk at the instant of a cut.
  struct PowerCut {
    std::map<std::string, uint64_t> synced;  // every file written through us -> bytes on disk
    std::string current;                     // the CURRENT file (RocksDB replaces it by rename)
  };

  PowerLossFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "PowerLossFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) {
      Synced(name, 0);
      *result = std::make_unique<TrackedFile>(std::move(*result), name, *this);
    }
    return s;
  }

  void FailWrites(bool fail) { fail_appends_ = fail_syncs_ = fail; }
  void FailAppends(bool fail) { fail_appends_ = fail; }
  void FailSyncs(bool fail) { fail_syncs_ = fail; }

  PowerCut Cut(const std::filesystem::path& dir) {
    std::lock_guard lock(mu_);
    std::ifstream in(dir / "CURRENT");
    std::stringstream current;
    current << in.rdbuf();
    return PowerCut{synced_, current.str()};
  }

  // Copies `from` into `to` as `cut` left it. Returns how many files lost unsynced bytes.
  static int CopyAfterCut(const PowerCut& cut, const std::filesystem::path& from, const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    int lost = 0;
    for (const auto& entry : std::filesystem::directory_iterator(from)) {
      if (!entry.is_regular_file()) continue;
      const std::string name = entry.path().filename().string();
      const auto target = to / name;
      if (name == "CURRENT") {
        std::ofstream(target) << cut.current;
        continue;
      }
      auto synced = cut.synced.find(entry.path().lexically_normal().string());
      const bool tracked = synced != cut.synced.end();
      // Written through us but created after the cut: it did not exist.
      if (!tracked && (name.ends_with(".log") || name.ends_with(".sst") || name.starts_with("MANIFEST-"))) continue;
      std::error_code ec;
      std::filesystem::copy_file(entry.path(), target, std::filesystem::copy_options::overwrite_existing, ec);
      if (ec) continue;  // removed meanwhile (a temp file)
      if (tracked && synced->second < std::filesystem::file_size(target)) {
        std::filesystem::resize_file(target, synced->second);
        ++lost;
      }
    }
    return lost;
  }

 private:
  class TrackedFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    TrackedFile(std::unique_ptr<rocksdb::FSWritableFile> file, std::string name, PowerLossFileSystem& fs)
        : FSWritableFileOwnerWrapper(std::move(file)), name_(std::move(name)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_appends_) return NoSpace();
      return FSWritableFileOwnerWrapper::Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_appends_) return NoSpace();
      return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_appends_) return NoSpace();
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& options,
                                       const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_appends_) return NoSpace();
      return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_syncs_) return NoSpace();
      return Record(FSWritableFileOwnerWrapper::Sync(options, dbg), options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_syncs_) return NoSpace();
      return Record(FSWritableFileOwnerWrapper::Fsync(options, dbg), options, dbg);
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                                rocksdb::IODebugContext* dbg) override {
      if (fs_.fail_syncs_) return NoSpace();
      return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
    }

   private:
    rocksdb::IOStatus Record(rocksdb::IOStatus s, const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) {
      if (s.ok()) fs_.Synced(name_, GetFileSize(options, dbg));
      return s;
    }
    std::string name_;
    PowerLossFileSystem& fs_;
  };

  // What RocksDB's POSIX file system returns for ENOSPC.
  static rocksdb::IOStatus NoSpace() {
    rocksdb::IOStatus s = rocksdb::IOStatus::NoSpace("PowerLossFileSystem", "No space left on device");
    s.SetRetryable(true);
    return s;
  }

  void Synced(const std::string& name, uint64_t size) {
    std::lock_guard lock(mu_);
    synced_[std::filesystem::path(name).lexically_normal().string()] = size;
  }

  std::mutex mu_;
  std::map<std::string, uint64_t> synced_;  // file -> bytes known to be on disk
  std::atomic<bool> fail_appends_{false};
  std::atomic<bool> fail_syncs_{false};
};

}  // namespace omni::testing
