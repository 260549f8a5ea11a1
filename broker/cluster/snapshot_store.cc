#include "broker/cluster/snapshot_store.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace omni::cluster {
namespace fs = std::filesystem;

namespace {

// A SHA-256 computed as the bytes go by.
class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr);
  }
  void Add(std::string_view bytes) { EVP_DigestUpdate(context_.get(), bytes.data(), bytes.size()); }
  std::string Digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &size);
    return std::string(reinterpret_cast<const char*>(digest), size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

// A file written and synced, so that a store restored into it survives a power cut.
class SyncedFile {
 public:
  explicit SyncedFile(const fs::path& path)
      : path_(path), fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) {}
  ~SyncedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Write(std::string_view bytes) {
    while (fd_ >= 0 && !bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Failed();
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return fd_ >= 0 ? absl::OkStatus() : Failed();
  }
  absl::Status Sync() { return fd_ >= 0 && ::fsync(fd_) == 0 ? absl::OkStatus() : Failed(); }

 private:
  absl::Status Failed() const {
    return absl::UnavailableError(absl::StrCat("writing ", path_.string(), ": ", std::strerror(errno)));
  }

  const fs::path path_;
  const int fd_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(
    JetStream& js, int partition, const PartitionLogOptions& options, size_t chunk_bytes) {
  const std::string stream = absl::StrCat(options.prefix, "_S", partition);
  const std::string subjects = absl::StrCat(options.prefix, ".s.", partition);
  OMNI_RETURN_IF_ERROR(EnsureStream(
      js, {.name = stream, .subject = subjects + ".*", .replicas = options.replicas}));
  return std::unique_ptr<SnapshotStore>(new SnapshotStore(
      js, stream, subjects + ".chunk", subjects + ".manifest", chunk_bytes));
}

absl::StatusOr<uint64_t> SnapshotStore::Publish(const std::string& subject, std::string_view data) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = js_.timeout().count();
  options.ExpectStream = stream_.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode code = jsErrCode(0);
  const natsStatus s = js_Publish(&ack, js_.context(), subject.c_str(), data.data(),
                                  static_cast<int>(data.size()), &options, &code);
  if (s != NATS_OK) return NatsStatus(s, code, absl::StrCat("cluster: publishing to ", stream_));
  const uint64_t sequence = ack->Sequence;
  jsPubAck_Destroy(ack);
  return sequence;
}

absl::StatusOr<omnibroker::v1::SnapshotManifest> SnapshotStore::Put(
    const fs::path& dir, const omnibroker::v1::LogPosition& position,
    const std::string& taken_by) {
  omnibroker::v1::SnapshotManifest manifest;
  *manifest.mutable_position() = position;
  manifest.set_taken_by(taken_by);
  std::vector<fs::path> files;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", dir.string(), ": ", error.message()));
  std::sort(files.begin(), files.end());
  std::string chunk(chunk_bytes_, '\0');
  for (const fs::path& path : files) {
    auto* file = manifest.add_files();
    file->set_name(path.filename().string());
    std::ifstream in(path, std::ios::binary);
    Sha256 sha;
    // Every file has at least one chunk, empty ones too, so that the snapshot's first chunk is
    // always its first message.
    do {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      const std::string_view bytes(chunk.data(), static_cast<size_t>(in.gcount()));
      if (in.bad()) return absl::UnavailableError(absl::StrCat("reading ", path.string()));
      OMNI_ASSIGN_OR_RETURN(const uint64_t sequence, Publish(chunk_subject_, bytes));
      if (manifest.first_chunk() == 0) manifest.set_first_chunk(sequence);
      file->add_chunk_sequences(sequence);
      file->set_size(file->size() + bytes.size());
      sha.Add(bytes);
    } while (in);
    file->set_sha256(sha.Digest());
    manifest.set_bytes(manifest.bytes() + file->size());
  }
  manifest.set_taken_at_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
  OMNI_RETURN_IF_ERROR(Publish(manifest_subject_, manifest.SerializeAsString()).status());
  return manifest;
}

absl::StatusOr<omnibroker::v1::SnapshotManifest> SnapshotStore::Latest() const {
  jsOptions call = js_.CallOptions();
  NatsMessage message;
  jsErrCode code = jsErrCode(0);
  const natsStatus s = js_GetLastMsg(&message.msg, js_.context(), stream_.c_str(),
                                     manifest_subject_.c_str(), &call, &code);
  OMNI_RETURN_IF_ERROR(NatsStatus(s, code, absl::StrCat("cluster: the newest snapshot in ", stream_)));
  omnibroker::v1::SnapshotManifest manifest;
  if (!manifest.ParseFromArray(natsMsg_GetData(message.msg), natsMsg_GetDataLength(message.msg))) {
    return absl::DataLossError(absl::StrCat("cluster: the newest snapshot's manifest in ", stream_,
                                            " (message ", natsMsg_GetSequence(message.msg),
                                            ") cannot be parsed"));
  }
  return manifest;
}

absl::Status SnapshotStore::Fetch(const omnibroker::v1::SnapshotManifest& manifest,
                                  const fs::path& dir) const {
  std::error_code error;
  if (fs::exists(dir, error)) {
    return absl::AlreadyExistsError(absl::StrCat("cluster: ", dir.string(), " exists"));
  }
  fs::create_directories(dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("creating ", dir.string(), ": ", error.message()));
  const std::string snapshot = absl::StrCat("the snapshot at record ", manifest.position().sequence(),
                                            " in ", stream_);
  for (const auto& file : manifest.files()) {
    const fs::path name(file.name());
    if (name.empty() || name.has_parent_path() || name == "." || name == "..") {
      return absl::DataLossError(absl::StrCat("cluster: ", snapshot, " names a file '", file.name(),
                                              "' outside its directory"));
    }
    SyncedFile out(dir / name);
    Sha256 sha;
    uint64_t size = 0;
    for (const uint64_t sequence : file.chunk_sequences()) {
      jsOptions call = js_.CallOptions();
      NatsMessage chunk;
      jsErrCode code = jsErrCode(0);
      OMNI_RETURN_IF_ERROR(NatsStatus(
          js_GetMsg(&chunk.msg, js_.context(), stream_.c_str(), sequence, &call, &code), code,
          absl::StrCat("cluster: chunk ", sequence, " of ", snapshot)));
      if (chunk_subject_ != natsMsg_GetSubject(chunk.msg)) {
        return absl::DataLossError(absl::StrCat("cluster: message ", sequence, " of ", stream_,
                                                " is not a chunk of ", snapshot));
      }
      const std::string_view bytes(natsMsg_GetData(chunk.msg),
                                   static_cast<size_t>(natsMsg_GetDataLength(chunk.msg)));
      OMNI_RETURN_IF_ERROR(out.Write(bytes));
      sha.Add(bytes);
      size += bytes.size();
    }
    OMNI_RETURN_IF_ERROR(out.Sync());
    if (size != file.size() || sha.Digest() != file.sha256()) {
      return absl::DataLossError(absl::StrCat("cluster: ", file.name(), " of ", snapshot,
                                              " does not match its manifest (", size, " bytes of ",
                                              file.size(), ", or another SHA-256)"));
    }
  }
  // The files' names too.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool synced = dir_fd >= 0 && ::fsync(dir_fd) == 0;
  if (dir_fd >= 0) ::close(dir_fd);
  if (!synced) return absl::UnavailableError(absl::StrCat("syncing ", dir.string()));
  return absl::OkStatus();
}

absl::Status SnapshotStore::DropBefore(const omnibroker::v1::SnapshotManifest& kept) {
  jsOptions call = js_.CallOptions();
  call.Stream.Purge.Sequence = kept.first_chunk();
  jsErrCode code = jsErrCode(0);
  return NatsStatus(js_PurgeStream(js_.context(), stream_.c_str(), &call, &code), code,
                    absl::StrCat("cluster: dropping the snapshots in ", stream_, " before ",
                                 kept.first_chunk()));
}

}  // namespace omni::cluster
