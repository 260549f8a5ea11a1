// libFuzzer target: the spool reader. First the input is a spool file as it is: Open and reading
// never crash, never hand out (or allocate for) a record above the limit, and acking everything
// read empties the file. Then the input is records (split at newlines) that Spool writes and one
// damage done to the file (the first 5 bytes: where, and whether to flip a byte or cut the file
// there): what is read back is exactly the records written, minus the one the flipped byte hit,
// or those the cut reached. Records containing the magic "OSP" are left out of the second half:
// a frame spelled out inside a payload is one a reader could take for real after damage.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sdk/spool.h"
#include "connectors/sdk/spool_format.h"
#include "tests/fuzz/fuzz_checks.h"

namespace {

using omni::connectors::Spool;
using omni::fuzz::Require;

constexpr size_t kMaxRecord = 1 << 16;

// The run's own folder, removed when the fuzzer exits.
class FuzzDir {
 public:
  FuzzDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spool-fuzz-XXXXXX").string();
    Require(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~FuzzDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

const std::filesystem::path& SpoolPath() {
  static const FuzzDir dir;
  static const std::filesystem::path path = dir.path() / "fuzz.spool";
  return path;
}

std::unique_ptr<Spool> OpenSpool() {
  auto spool = Spool::Open(SpoolPath(), {.max_record_bytes = kMaxRecord});
  if (!spool.ok()) {
    Require(!spool.status().message().empty());
    return nullptr;
  }
  return *std::move(spool);
}

// Reads every record, acking each; checks the limit and that the file is empty after.
std::vector<std::string> DrainSpool(Spool& spool) {
  std::vector<std::string> read;
  while (true) {
    auto record = spool.ReadNext();
    Require(record.ok());
    if (!record->has_value()) break;
    Require((*record)->bytes.size() <= kMaxRecord);
    read.push_back((*record)->bytes);
    Require(spool.Ack((*record)->position).ok());
  }
  Require(spool.count() == 0 && std::filesystem::file_size(SpoolPath()) == 0);
  return read;
}

void AsFile(std::string_view bytes) {
  std::ofstream(SpoolPath(), std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void WrittenThenDamaged(std::string_view input) {
  if (input.size() < 5) return;
  uint32_t where = 0;
  for (int i = 0; i < 4; ++i)
    where |= static_cast<uint32_t>(static_cast<uint8_t>(input[i])) << (8 * i);
  const bool flip = (input[4] & 1) != 0;
  std::vector<std::string> records;
  for (std::string_view rest = input.substr(5); !rest.empty();) {
    const size_t newline = std::min(rest.find('\n'), rest.size());
    const std::string_view record = rest.substr(0, newline);
    if (record.find(omni::connectors::spool_format::kMagic) == std::string_view::npos) {
      records.emplace_back(record);
    }
    rest.remove_prefix(std::min(newline + 1, rest.size()));
  }
  AsFile("");
  std::vector<uint64_t> ends;  // where each record's frame ends
  {
    auto spool = OpenSpool();
    Require(spool != nullptr);
    for (const auto& r : records) {
      Require(spool->Append(r).ok());
      ends.push_back(spool->file_bytes());
    }
  }
  if (records.empty()) return;
  where %= ends.back();
  std::vector<std::string> expected;
  if (flip) {
    std::fstream f(SpoolPath(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(where);
    const char c = static_cast<char>(f.get());
    f.seekp(where);
    f.put(static_cast<char>(c ^ 0xff));
    for (size_t i = 0; i < records.size(); ++i) {
      const uint64_t start = i == 0 ? 0 : ends[i - 1];
      if (where < start || where >= ends[i]) expected.push_back(records[i]);
    }
  } else {
    std::filesystem::resize_file(SpoolPath(), where);
    for (size_t i = 0; i < records.size() && ends[i] <= where; ++i) expected.push_back(records[i]);
  }
  auto spool = OpenSpool();
  Require(spool != nullptr);
  Require(DrainSpool(*spool) == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  AsFile(input);
  if (auto spool = OpenSpool()) DrainSpool(*spool);
  WrittenThenDamaged(input);
  return 0;
}
