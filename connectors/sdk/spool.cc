#include "connectors/sdk/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "connectors/sdk/spool_format.h"

namespace omni::connectors {
namespace {

using spool_format::FrameKind;
using spool_format::kHeaderBytes;

// How much is read at a time when looking for the next frame after damaged bytes.
constexpr size_t kResyncChunk = 64 << 10;

absl::Status SystemError(std::string_view what, const std::filesystem::path& path, int error) {
  return absl::UnavailableError(
      absl::StrCat("spool ", path.string(), ": ", ToAbsl(what), ": ", std::strerror(error)));
}

// Up to `length` bytes at `position` (fewer at the end of the file).
absl::StatusOr<std::string> ReadAt(int fd, const std::filesystem::path& path, uint64_t position,
                                   size_t length) {
  std::string bytes(length, '\0');
  size_t done = 0;
  while (done < length) {
    const ssize_t n =
        ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(position + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SystemError("cannot read", path, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

struct Frame {
  enum class State {
    kIntact,
    kDamagedPayload,  // the header is intact, so `end` is known: the next frame starts there
    kDamaged,         // no frame header here
    kTorn,            // a frame's beginning that the file ends inside (a crash mid-append)
  };
  State state = State::kDamaged;
  spool_format::FrameHeader header;  // kIntact and kDamagedPayload
  std::string payload;               // kIntact
  uint64_t end = 0;                  // kIntact and kDamagedPayload
};

// The frame at `position` of a file of `file_end` bytes. Reads (and allocates) at most the header
// and max_payload bytes. An error for I/O and for a frame of another format version only.
absl::StatusOr<Frame> ReadFrame(int fd, const std::filesystem::path& path, uint64_t position,
                                uint64_t file_end, size_t max_payload) {
  Frame frame;
  if (file_end - position < kHeaderBytes) {
    frame.state = Frame::State::kTorn;
    return frame;
  }
  OMNI_ASSIGN_OR_RETURN(const std::string header, ReadAt(fd, path, position, kHeaderBytes));
  auto decoded = spool_format::DecodeHeader(header, max_payload);
  if (absl::IsFailedPrecondition(decoded.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("spool ", path.string(), " at ", position, ": ", decoded.status().message(),
                     "; it was written by another version of omnibroker"));
  }
  if (!decoded.ok()) return frame;  // kDamaged
  frame.header = *decoded;
  frame.end = position + kHeaderBytes + frame.header.length;
  if (frame.end > file_end) {
    frame.state = Frame::State::kTorn;
    return frame;
  }
  OMNI_ASSIGN_OR_RETURN(frame.payload,
                        ReadAt(fd, path, position + kHeaderBytes, frame.header.length));
  if (frame.payload.size() != frame.header.length ||
      spool_format::Crc32(frame.payload) != frame.header.payload_crc) {
    frame.payload.clear();
    frame.state = Frame::State::kDamagedPayload;
    return frame;
  }
  frame.state = Frame::State::kIntact;
  return frame;
}

// The first position at or after `from` where an intact frame header starts, or `file_end`.
absl::StatusOr<uint64_t> Resync(int fd, const std::filesystem::path& path, uint64_t from,
                                uint64_t file_end, size_t max_payload) {
  const size_t overlap = spool_format::kMagic.size() - 1;  // a magic across two chunks
  for (uint64_t at = from; at + spool_format::kMagic.size() <= file_end;) {
    OMNI_ASSIGN_OR_RETURN(const std::string chunk,
                          ReadAt(fd, path, at, std::min<uint64_t>(kResyncChunk, file_end - at)));
    for (size_t i = chunk.find(spool_format::kMagic); i != std::string::npos;
         i = chunk.find(spool_format::kMagic, i + 1)) {
      if (file_end - (at + i) < kHeaderBytes) break;
      OMNI_ASSIGN_OR_RETURN(const std::string header, ReadAt(fd, path, at + i, kHeaderBytes));
      if (spool_format::DecodeHeader(header, max_payload).ok()) return at + i;
    }
    if (at + chunk.size() >= file_end || chunk.size() <= overlap) break;
    at += chunk.size() - overlap;
  }
  return file_end;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& path,
                                                   SpoolOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("spool dir ", path.parent_path().string(), ": ", ec.message()));
  }
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return SystemError("cannot open", path, errno);
  std::unique_ptr<Spool> spool(new Spool(fd, path, options));
  OMNI_RETURN_IF_ERROR(spool->Load());
  return spool;
}

Spool::Spool(int fd, std::filesystem::path path, SpoolOptions options)
    : fd_(fd), path_(std::move(path)), options_(options) {}

Spool::~Spool() { ::close(fd_); }

absl::Status Spool::Load() {
  struct stat info;
  if (::fstat(fd_, &info) != 0) return SystemError("cannot stat", path_, errno);
  end_ = static_cast<uint64_t>(info.st_size);
  const size_t max =
      std::min<size_t>(options_.max_record_bytes, std::numeric_limits<uint32_t>::max());
  std::vector<uint64_t> records;
  std::vector<uint64_t> acked;
  uint64_t position = 0;
  uint64_t intact_end = 0;  // everything after the last intact frame is cut
  bool torn_tail = false;
  while (position < end_) {
    OMNI_ASSIGN_OR_RETURN(Frame frame, ReadFrame(fd_, path_, position, end_, max));
    if (frame.state == Frame::State::kIntact) {
      if (frame.header.kind == FrameKind::kRecord) {
        records.push_back(position);
      } else {
        acked.push_back(*spool_format::DecodeAckPayload(frame.payload));
      }
      position = intact_end = frame.end;
      continue;
    }
    if (frame.state == Frame::State::kDamagedPayload) {  // one record lost, the next is known
      ++damaged_records_;
      position = frame.end;
      continue;
    }
    OMNI_ASSIGN_OR_RETURN(const uint64_t next, Resync(fd_, path_, position + 1, end_, max));
    if (next == end_) {
      // Nothing intact after it: the tail. A frame the file ends inside is what a crash in the
      // middle of an append leaves; anything else is damage.
      torn_tail = frame.state == Frame::State::kTorn;
      if (!torn_tail) ++damaged_records_;
      break;
    }
    ++damaged_records_;
    position = next;
  }
  if (intact_end < end_) {
    if (::ftruncate(fd_, static_cast<off_t>(intact_end)) != 0) {
      return SystemError("cannot cut the unreadable tail", path_, errno);
    }
    if (torn_tail) {
      LogWarning("spool", absl::StrCat(path_.string(), ": cut a torn tail of ", end_ - intact_end,
                                       " bytes (a crash in the middle of an append)"));
    }
    end_ = intact_end;
  }
  std::sort(acked.begin(), acked.end());
  for (uint64_t record : records) {
    if (!std::binary_search(acked.begin(), acked.end(), record)) records_.push_back(record);
  }
  if (damaged_records_ > 0) {
    LogError("spool", absl::StrCat(path_.string(), ": skipped ", damaged_records_,
                                   " damaged records or stretches of damaged bytes; ",
                                   records_.size(), " unacked records kept"));
  }
  if (records_.empty() && end_ > 0) return Compact();
  return absl::OkStatus();
}

absl::Status Spool::Append(std::string_view record) {
  if (record.size() > options_.max_record_bytes ||
      record.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("spool ", path_.string(), ": a record of ",
                                                   record.size(), " bytes is above the limit of ",
                                                   options_.max_record_bytes));
  }
  OMNI_ASSIGN_OR_RETURN(const uint64_t position,
                        WriteFrame(spool_format::EncodeFrame(FrameKind::kRecord, record)));
  records_.push_back(position);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SpoolRecord>> Spool::ReadNext() {
  while (has_unread()) {
    const uint64_t position = records_[next_unread_];
    OMNI_ASSIGN_OR_RETURN(Frame frame,
                          ReadFrame(fd_, path_, position, end_, options_.max_record_bytes));
    if (frame.state == Frame::State::kIntact && frame.header.kind == FrameKind::kRecord) {
      ++next_unread_;
      return SpoolRecord{.position = position, .bytes = std::move(frame.payload)};
    }
    // Damaged since Open (by something else than us): it can never be sent.
    ++damaged_records_;
    LogError("spool", absl::StrCat(path_.string(), ": the record at ", position,
                                   " was damaged after it was written; skipped"));
    records_.erase(records_.begin() + static_cast<std::ptrdiff_t>(next_unread_));
    if (records_.empty()) OMNI_RETURN_IF_ERROR(Compact());
  }
  return std::nullopt;
}

absl::Status Spool::Ack(uint64_t position) {
  const auto read_end = records_.begin() + static_cast<std::ptrdiff_t>(next_unread_);
  const auto it = std::lower_bound(records_.begin(), read_end, position);
  if (it == read_end || *it != position) {
    return absl::InvalidArgumentError(
        absl::StrCat("spool ", path_.string(), ": no record read at ", position, " to ack"));
  }
  if (acked_out_of_order_.contains(position)) return absl::OkStatus();
  if (it != records_.begin()) {
    acked_out_of_order_.insert(position);
  } else {
    // The oldest unacked record: drop it and every acked one right behind it.
    do {
      records_.pop_front();
      --next_unread_;
    } while (!records_.empty() && acked_out_of_order_.erase(records_.front()) > 0);
  }
  if (records_.empty()) return Compact();
  auto written = WriteFrame(
      spool_format::EncodeFrame(FrameKind::kAck, spool_format::EncodeAckPayload(position)));
  if (!written.ok()) {
    return absl::Status(written.status().code(),
                        absl::StrCat(written.status().message(), " (the ack of the record at ",
                                     position, "; it is sent again after a restart)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> Spool::WriteFrame(std::string_view frame) {
  const uint64_t position = end_;
  size_t done = 0;
  while (done < frame.size()) {
    const ssize_t n = ::write(fd_, frame.data() + done, frame.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    const int error = n < 0 ? errno : ENOSPC;
    // No half-written frame stays behind: the next append starts where this one did.
    if (::ftruncate(fd_, static_cast<off_t>(position)) != 0) {
      struct stat info;
      if (::fstat(fd_, &info) == 0) end_ = static_cast<uint64_t>(info.st_size);
      LogError("spool",
               absl::StrCat(path_.string(), ": cannot cut back a failed append at ", position, ": ",
                            std::strerror(errno), "; its bytes will be skipped as damage"));
    }
    return absl::ResourceExhaustedError(absl::StrCat("spool ", path_.string(), ": cannot append ",
                                                     frame.size(),
                                                     " bytes: ", std::strerror(error)));
  }
  end_ += frame.size();
  return position;
}

absl::Status Spool::Compact() {
  if (::ftruncate(fd_, 0) != 0) return SystemError("cannot empty the acked file", path_, errno);
  end_ = 0;
  next_unread_ = 0;
  acked_out_of_order_.clear();
  return absl::OkStatus();
}

}  // namespace omni::connectors
