// A FIFO of byte records in one append-only file, kept the way a write-ahead log is: where the
// reliable client puts events that do not fit its memory budget, and everything still unacked when
// it stops. A record read from the spool stays in it until the broker's ack for it (Ack), so a
// crash between the read and the ack replays it after the restart (the broker dedupes by event
// id); acks are frames of the file too, and the file is cut back to nothing once everything in it
// is acked, which keeps it bounded.
//
// Damage is contained (frames in spool_format.h): Open cuts a torn tail (a crash in the middle of
// an append), skips a damaged record (and resynchronizes on the next intact frame after damaged
// bytes) instead of dropping everything after it, and counts what it skipped; a length above
// max_record_bytes is damage and is never allocated. A failed append (disk full, file size limit)
// is cut back, never left half-written. Writes reach the kernel before Append returns (they survive
// the process, not a power cut: there is no fsync).
//
// Not thread-safe: the owner serializes access.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace omni::connectors {

struct SpoolOptions {
  // Append refuses a longer record, and a frame that claims more is damage: the largest frame the
  // broker's ingest reads (IngestOptions::max_message_bytes).
  size_t max_record_bytes = 4 << 20;
};

struct SpoolRecord {
  uint64_t position = 0;  // where its frame starts in the file: what Ack takes
  std::string bytes;
};

class Spool {
 public:
  // Opens (or creates) the spool at `path`; every record a previous run left unacked is read
  // again. Fails on I/O errors and on a file written in another format version.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::filesystem::path& path,
                                                     SpoolOptions options = {});
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Adds `record` at the end. RESOURCE_EXHAUSTED when the file cannot take it (the file is cut
  // back to where it was); INVALID_ARGUMENT above max_record_bytes.
  absl::Status Append(std::string_view record);
  // The oldest record not read yet, or nullopt. It stays in the spool until Ack(its position).
  absl::StatusOr<std::optional<SpoolRecord>> ReadNext();
  // The record read at `position` was acked by the broker: it is not replayed after a restart.
  // An error means the ack could not be written (the record comes again after a restart).
  absl::Status Ack(uint64_t position);

  bool has_unread() const { return next_unread_ < records_.size(); }
  // Records not acked yet, read or not.
  size_t count() const { return records_.size() - acked_out_of_order_.size(); }
  // Damaged records and stretches of damaged bytes skipped since Open (a torn tail not included).
  uint64_t damaged_records() const { return damaged_records_; }
  uint64_t file_bytes() const { return end_; }

 private:
  Spool(int fd, std::filesystem::path path, SpoolOptions options);
  // Reads the whole file: records, acks, damage; cuts a torn tail.
  absl::Status Load();
  // Writes `frame` at the end in full, or cuts the file back to where it was. Its position.
  absl::StatusOr<uint64_t> WriteFrame(std::string_view frame);
  // Everything in the file is acked: the file starts again from nothing.
  absl::Status Compact();

  const int fd_;
  const std::filesystem::path path_;
  const SpoolOptions options_;
  uint64_t end_ = 0;  // the file's size: where the next frame goes
  // Positions of records not yet dropped, in file order: unacked ones, and acked ones behind an
  // older unacked one (those are in acked_out_of_order_ too). records_[next_unread_] is read next.
  std::deque<uint64_t> records_;
  size_t next_unread_ = 0;
  std::set<uint64_t> acked_out_of_order_;
  uint64_t damaged_records_ = 0;
};

}  // namespace omni::connectors
