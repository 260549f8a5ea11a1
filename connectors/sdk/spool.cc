#include "connectors/sdk/spool.h"

#include <zlib.h>

#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace omni::connectors {
namespace {

// Record layout: u32 length, u32 crc32(payload), payload. The read offset lives in a side file
// ("<path>.offset") so records taken before a crash are not replayed twice needlessly.
constexpr size_t kHeader = 8;

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
uint32_t GetU32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
uint32_t Crc(std::string_view data) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
}
std::filesystem::path OffsetPath(const std::filesystem::path& p) {
  return std::filesystem::path(p.string() + ".offset");
}

// Scans records from `offset`: where the last complete, intact one ends, and how many there are.
std::pair<uint64_t, size_t> ValidEnd(std::FILE* f, uint64_t offset) {
  size_t count = 0;
  std::fseek(f, static_cast<long>(offset), SEEK_SET);
  unsigned char header[kHeader];
  std::string payload;
  while (std::fread(header, 1, kHeader, f) == kHeader) {
    const uint32_t len = GetU32(header);
    payload.resize(len);
    if (std::fread(payload.data(), 1, len, f) != len || Crc(payload) != GetU32(header + 4)) break;
    offset += kHeader + len;
    ++count;
  }
  return {offset, count};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) return absl::InternalError(absl::StrCat("spool dir ", path.parent_path().string(), ": ", ec.message()));
  std::FILE* f = std::fopen(path.c_str(), "a+b");
  if (f == nullptr) return absl::InternalError(absl::StrCat("cannot open spool ", path.string()));
  uint64_t read_offset = 0;
  std::ifstream(OffsetPath(path)) >> read_offset;
  std::fseek(f, 0, SEEK_END);
  const uint64_t file_end = static_cast<uint64_t>(std::ftell(f));
  if (read_offset > file_end) read_offset = 0;
  const auto [write_offset, count] = ValidEnd(f, read_offset);
  if (write_offset < file_end && truncate(path.c_str(), static_cast<off_t>(write_offset)) != 0) {
    std::fclose(f);
    return absl::InternalError(absl::StrCat("cannot cut torn tail of spool ", path.string()));
  }
  return std::unique_ptr<Spool>(new Spool(f, path, read_offset, write_offset, count));
}

Spool::Spool(std::FILE* file, std::filesystem::path path, uint64_t read_offset,
             uint64_t write_offset, size_t count)
    : file_(file),
      path_(std::move(path)),
      read_offset_(read_offset),
      write_offset_(write_offset),
      count_(count) {}

Spool::~Spool() { std::fclose(file_); }

absl::Status Spool::Append(std::string_view record) {
  char header[kHeader];
  PutU32(header, static_cast<uint32_t>(record.size()));
  PutU32(header + 4, Crc(record));
  // "a+" mode: every write goes to the end of the file whatever the read position.
  if (std::fwrite(header, 1, kHeader, file_) != kHeader ||
      std::fwrite(record.data(), 1, record.size(), file_) != record.size() ||
      std::fflush(file_) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat("spool write failed: ", path_.string()));
  }
  write_offset_ += kHeader + record.size();
  ++count_;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Spool::PopFront() {
  if (empty()) return std::nullopt;
  std::fseek(file_, static_cast<long>(read_offset_), SEEK_SET);
  unsigned char header[kHeader];
  if (std::fread(header, 1, kHeader, file_) != kHeader) {
    return absl::DataLossError(absl::StrCat("spool header unreadable: ", path_.string()));
  }
  std::string record(GetU32(header), '\0');
  if (std::fread(record.data(), 1, record.size(), file_) != record.size()) {
    return absl::DataLossError(absl::StrCat("spool record unreadable: ", path_.string()));
  }
  read_offset_ += kHeader + record.size();
  --count_;
  if (auto s = ResetIfDrained(); !s.ok()) return s;
  if (auto s = PersistReadOffset(); !s.ok()) return s;
  return record;
}

absl::Status Spool::ResetIfDrained() {
  if (!empty()) return absl::OkStatus();
  if (truncate(path_.c_str(), 0) != 0) {
    return absl::InternalError(absl::StrCat("cannot reset spool ", path_.string()));
  }
  read_offset_ = write_offset_ = 0;
  return absl::OkStatus();
}

absl::Status Spool::PersistReadOffset() {
  std::ofstream out(OffsetPath(path_), std::ios::trunc);
  out << read_offset_;
  if (!out) return absl::InternalError(absl::StrCat("cannot write spool offset ", path_.string()));
  return absl::OkStatus();
}

}  // namespace omni::connectors
