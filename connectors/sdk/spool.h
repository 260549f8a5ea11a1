// A FIFO of byte records in one append-only file: where the reliable client puts events that do
// not fit its memory budget, and everything still unacknowledged when it stops. Records are
// length-prefixed and checksummed, so a torn tail after a crash is detected and dropped, never
// misread. Not thread-safe: the owner serializes access.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors {

class Spool {
 public:
  // Opens (or creates) the spool at `path`, keeping records a previous run left behind.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::filesystem::path& path);
  ~Spool();

  absl::Status Append(std::string_view record);
  // The oldest record not yet taken, or nullopt when empty.
  absl::StatusOr<std::optional<std::string>> PopFront();
  bool empty() const { return read_offset_ == write_offset_; }
  uint64_t size_bytes() const { return write_offset_ - read_offset_; }
  size_t count() const { return count_; }

 private:
  Spool(std::FILE* file, std::filesystem::path path, uint64_t read_offset, uint64_t write_offset,
        size_t count);
  // The taken records are dropped once everything is read, so the file does not grow forever.
  absl::Status ResetIfDrained();
  absl::Status PersistReadOffset();

  std::FILE* file_;
  std::filesystem::path path_;
  uint64_t read_offset_;
  uint64_t write_offset_;
  size_t count_;
};

}  // namespace omni::connectors
