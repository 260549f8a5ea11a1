#include "broker/store/store.h"

#include <rocksdb/file_system.h>
#include <rocksdb/listener.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>

#include <cstdarg>
#include <cstdio>

#include "broker/store/keys.h"
#include "omnibroker/v1/event.pb.h"
#include "omnibroker/v1/ingest.pb.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace omni::store {
namespace {

constexpr std::string_view kSchemaVersionKey = "schema_version";
constexpr char kSchemaVersion[] = "2";
// What Recover() writes and syncs to learn whether the disk takes writes again.
constexpr char kProbeFile[] = "WRITE_PROBE";
constexpr size_t kProbeBytes = 1 << 20;

// Order matches enum Family.
constexpr const char* kFamilyNames[] = {
    "events", "conversations", "customers", "identities", "threads",
    "dedupe", "agents",        "outbox",    "meta",     "customer_events", "audit", "expiry",
    "routing",  "quality"};
static_assert(std::size(kFamilyNames) == kFamilyCount, "a name for every Family");

const std::vector<std::string>& FamilyNames() {
  static const std::vector<std::string> names(std::begin(kFamilyNames), std::end(kFamilyNames));
  return names;
}

// Drops dedupe records older than the window (compaction calls it for every record it rewrites).
class DedupeExpiry : public rocksdb::CompactionFilter {
 public:
  DedupeExpiry(std::chrono::seconds window, const Clock& clock) : window_(window), clock_(clock) {}
  const char* Name() const override { return "omnibroker.DedupeExpiry"; }
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    omnibroker::v1::IngestAck ack;
    if (!ack.ParseFromArray(value.data(), static_cast<int>(value.size())) || !ack.has_accepted_at()) {
      return false;  // not ours to judge: keep it
    }
    const TimePoint accepted{std::chrono::seconds(ack.accepted_at().seconds())};
    return accepted + window_ < clock_.Now();
  }

 private:
  const std::chrono::seconds window_;
  const Clock& clock_;
};

// RocksDB's own log, into the broker's: its warnings and errors (its routine notes stay out).
// Not a LOG file in the store's directory: on a full disk, once a line failed to be written
// there, the next one aborts the process (RocksDB 7.8 asserts), before the store could refuse
// writes and recover.
class RocksLog : public rocksdb::Logger {
 public:
  RocksLog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      LogError("rocksdb", line);
    } else {
      LogWarning("rocksdb", line);
    }
  }
};

// What was being written when RocksDB met `reason`'s error, for the fault's message.
std::string_view FailedWrite(rocksdb::BackgroundErrorReason reason) {
  using Reason = rocksdb::BackgroundErrorReason;
  switch (reason) {
    case Reason::kFlush:
    case Reason::kFlushNoWAL:
      return "flush";
    case Reason::kCompaction:
      return "compaction";
    case Reason::kWriteCallback:
    case Reason::kMemTable:
      return "write or WAL sync";
    case Reason::kManifestWrite:
    case Reason::kManifestWriteNoWAL:
      return "MANIFEST write";
  }
  return "background write";
}

}  // namespace

// Hears of RocksDB's background errors (a failed flush, compaction or write) and keeps their
// recovery to Recover(): RocksDB's own (a resume from its threads) has the flaw told at Recover(),
// and would end a fault behind the store's back.
class Store::FaultListener : public rocksdb::EventListener {
 public:
  explicit FaultListener(Store& store) : store_(store) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    if (!error->ok()) store_.Fault(FailedWrite(reason), *error);
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }

 private:
  Store& store_;
};

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(ToAbsl(what), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) return absl::UnavailableError(message);
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

Store::Store(const StoreOptions& options)
    : options_(options),
      dedupe_expiry_(std::make_unique<DedupeExpiry>(
          options.dedupe_window, options.clock != nullptr ? *options.clock : SystemClock::Get())),
      fault_listener_(std::make_shared<FaultListener>(*this)),
      wal_fence_(std::make_shared<WalFence>(
          (options.env != nullptr ? options.env : rocksdb::Env::Default())->GetFileSystem())),
      env_(rocksdb::NewCompositeEnv(wal_fence_)) {}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(options.dir, ec);
  if (exists && !std::filesystem::is_empty(options.dir, ec) &&
      !std::filesystem::exists(options.dir / "CURRENT", ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options.dir.string(),
                     " is not empty and holds no omnibroker store (no CURRENT file); refusing to "
                     "create a new store over it"));
  }
  std::filesystem::create_directories(options.dir, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot create data directory ", options.dir.string(), ": ", ec.message()));
  }
  auto store = std::unique_ptr<Store>(new Store(options));
  OMNI_RETURN_IF_ERROR(store->OpenDb());

  auto version = store->GetRaw(Family::kMeta, kSchemaVersionKey);
  if (!version.ok()) return version.status();
  if (!version->has_value()) {
    rocksdb::WriteBatch batch;
    store->Put(batch, Family::kMeta, kSchemaVersionKey, kSchemaVersion);
    if (auto w = store->Write(batch); !w.ok()) return w;
    if (auto w = store->SyncWal(); !w.ok()) return w;
  } else if (**version == "1") {
    if (auto m = store->MigrateFromVersion1(); !m.ok()) return m;
  } else if (**version != kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("store in ", options.dir.string(),
                                                      " has schema version ", **version,
                                                      "; this broker reads version ", kSchemaVersion));
  }
  // From here on: the broker's own writes, not the store's opening.
  store->write_latency_ = options.write_latency;
  store->sync_latency_ = options.sync_latency;
  return store;
}

absl::Status Store::OpenDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // A torn last record is what a crash leaves of a write nobody was told was durable: drop it.
  // Damage anywhere else in the WAL loses acknowledged writes: refuse to start and say so,
  // instead of replaying up to the damage and silently dropping the rest.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // Write faults are recovered by Recover() alone (see FaultListener).
  db_options.max_bgerror_resume_count = 0;
  db_options.listeners.push_back(fault_listener_);
  db_options.env = env_.get();
  db_options.info_log = std::make_shared<RocksLog>();
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options_.write_buffer_bytes;
  rocksdb::ColumnFamilyOptions dedupe_options = cf_options;
  dedupe_options.compaction_filter = dedupe_expiry_.get();
  dedupe_options.periodic_compaction_seconds = 24 * 60 * 60;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const auto& name : FamilyNames()) {
    descriptors.emplace_back(name, name == "dedupe" ? dedupe_options : cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s =
      rocksdb::DB::Open(db_options, options_.dir.string(), descriptors, &handles, &db);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("opening the store in ", options_.dir.string()));
  }
  db_.reset(db);
  handles_ = std::move(handles);
  return absl::OkStatus();
}

void Store::CloseDb() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  handles_.clear();
  // After a write fault, closing reports the fault again: nothing new.
  db_->Close().PermitUncheckedError();
  db_.reset();
}

absl::Status Store::Opened() const {
  if (db_) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("the store is closed until it can be reopened: ", WriteFault().message()));
}

// Version 2 added customer_events: index every stored event under its customer.
absl::Status Store::MigrateFromVersion1() {
  rocksdb::WriteBatch batch;
  absl::Status failed;
  auto s = Scan(Family::kEvents, "", false, std::nullopt, [&](std::string_view key, std::string_view value) {
    omnibroker::v1::Event event;
    if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      failed = absl::DataLossError("migrating to schema 2: unparsable event record");
      return false;
    }
    const auto& at = event.has_received_at() ? event.received_at() : event.occurred_at();
    const uint64_t micros = static_cast<uint64_t>(at.seconds()) * 1'000'000 + at.nanos() / 1000;
    Put(batch, Family::kCustomerEvents, CustomerEventKey(event.customer_id(), micros, key), key);
    return true;
  });
  if (!s.ok()) return s;
  if (!failed.ok()) return failed;
  Put(batch, Family::kMeta, kSchemaVersionKey, kSchemaVersion);
  if (auto w = Write(batch); !w.ok()) return w;
  return SyncWal();
}

absl::StatusOr<uint64_t> Store::Checkpoint(const std::filesystem::path& dir) {
  OMNI_RETURN_IF_ERROR(WriteFault());  // it flushes the memtables first
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat("backup target ", dir.string(), " exists; name a new directory"));
  }
  rocksdb::Checkpoint* raw = nullptr;
  if (auto s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "backup"); !s.ok()) return s;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  uint64_t sequence = 0;
  // log_size_for_flush 0: memtables are flushed first, so the copy is tables only.
  if (auto s = FromRocks(checkpoint->CreateCheckpoint(dir.string(), 0, &sequence),
                         absl::StrCat("backup to ", dir.string()));
      !s.ok()) {
    return s;
  }
  return sequence;
}

absl::Status Store::CompactFamily(Family family) {
  OMNI_RETURN_IF_ERROR(WriteFault());
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(options, Handle(family), nullptr, nullptr), "compacting");
}

Store::~Store() { CloseDb(); }

rocksdb::ColumnFamilyHandle* Store::Handle(Family family) const {
  if (handles_.empty()) return nullptr;
  // handles_[0] is the default family, which omnibroker does not use.
  return handles_[static_cast<size_t>(family) + 1];
}

void Store::Put(rocksdb::WriteBatch& batch, Family family, std::string_view key,
                const google::protobuf::MessageLite& message) const {
  Put(batch, family, key, message.SerializeAsString());
}

void Store::Put(rocksdb::WriteBatch& batch, Family family, std::string_view key,
                std::string_view value) const {
  if (handles_.empty()) return;
  batch.Put(Handle(family), rocksdb::Slice(key.data(), key.size()),
            rocksdb::Slice(value.data(), value.size()));
}

void Store::Delete(rocksdb::WriteBatch& batch, Family family, std::string_view key) const {
  if (handles_.empty()) return;
  batch.Delete(Handle(family), rocksdb::Slice(key.data(), key.size()));
}

absl::Status Store::Write(rocksdb::WriteBatch& batch) {
  std::lock_guard fence(wal_fence_->writes());
  // RocksDB must not see a write after a fault: a WAL whose append failed cannot take another
  // (the RocksDB we build on aborts on it).
  OMNI_RETURN_IF_ERROR(WriteFault());
  // Under the fence's lock: batches are staged in the order they are applied.
  if (replication_ != nullptr) OMNI_RETURN_IF_ERROR(replication_->Stage(batch));
  rocksdb::WriteOptions options;
  options.sync = false;
  ScopedTimer timer(write_latency_);
  const rocksdb::Status s = db_->Write(options, &batch);
  if (s.IsIOError() || s.IsCorruption()) {
    Fault("write", s);
    return WriteFault();
  }
  return FromRocks(s, "store write");
}

absl::Status Store::SyncWal() {
  std::lock_guard lock(sync_mu_);
  // Nor a sync: syncing a WAL after its append failed aborts, and after its sync failed makes the
  // error one RocksDB cannot resume from. The fence keeps a write from failing between this check
  // and RocksDB's own look at the WAL (see WalFence).
  OMNI_RETURN_IF_ERROR(wal_fence_->FencedSync([this] {
    OMNI_RETURN_IF_ERROR(WriteFault());
    ScopedTimer timer(sync_latency_);
    const rocksdb::Status s = db_->SyncWAL();
    if (s.ok()) return absl::OkStatus();
    Fault("WAL sync", s);
    return WriteFault();
  }));
  if (replication_ == nullptr) return absl::OkStatus();
  if (absl::Status flushed = replication_->Flush(); !flushed.ok()) {
    ReplicationFault(flushed);
    return WriteFault();
  }
  return absl::OkStatus();
}

void Store::ReplicationFault(const absl::Status& cause) {
  std::lock_guard lock(fault_mu_);
  if (!fault_.ok()) return;
  const std::string why = absl::StrCat("the store refuses writes since its replication failed (",
                                       cause.message(), ")");
  fault_ = absl::IsFailedPrecondition(cause)
               ? absl::FailedPreconditionError(absl::StrCat(why, ", for good"))
               : absl::UnavailableError(absl::StrCat(why, "; they resume once it flushes"));
  replication_fault_ = true;
  if (options_.write_fault != nullptr) options_.write_fault->Add(1);
  LogError("store", std::string(fault_.message()));
  if (fault_observer_) fault_observer_();
}

absl::Status Store::WriteFault() const {
  std::lock_guard lock(fault_mu_);
  return fault_;
}

void Store::SetFaultObserver(std::function<void()> observer) {
  std::lock_guard lock(fault_mu_);
  fault_observer_ = std::move(observer);
}

void Store::Fault(std::string_view what, const rocksdb::Status& cause) {
  std::lock_guard lock(fault_mu_);
  if (!fault_.ok()) return;  // the first cause is the one to fix
  fault_ = absl::UnavailableError(
      absl::StrCat("the store refuses writes since a ", ToAbsl(what), " failed (",
                   cause.ToString(), "); they resume once it can write again"));
  if (options_.write_fault != nullptr) options_.write_fault->Add(1);
  LogError("store", std::string(fault_.message()));
  if (fault_observer_) fault_observer_();
}

absl::Status Store::ProbeWrite() const {
  const auto& fs = (options_.env != nullptr ? options_.env : rocksdb::Env::Default())->GetFileSystem();
  const std::string path = (options_.dir / kProbeFile).string();
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  rocksdb::IOStatus s = fs->NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr);
  if (s.ok()) s = file->Append(std::string(kProbeBytes, '\0'), io, nullptr);
  if (s.ok()) s = file->Sync(io, nullptr);
  if (file) {
    const rocksdb::IOStatus closed = file->Close(io, nullptr);
    if (s.ok()) s = closed;
  }
  fs->DeleteFile(path, io, nullptr).PermitUncheckedError();
  return FromRocks(s, "writing a probe file into the store's directory");
}

// Reopening rather than DB::Resume(): in the RocksDB we build on (7.8), a Resume() after a WAL
// append failed with every memtable empty clears the error but keeps the failed WAL, and the next
// write aborts the process (write_fault_test's AFailedWriteOnAFreshWal... is that case). A
// reopening replays the WAL and starts a new one whatever the failure was; the probe keeps the
// store open (reads served) while it would fail.
absl::Status Store::Recover() {
  if (WriteFault().ok()) return absl::OkStatus();
  bool replication_fault = false;
  {
    std::lock_guard lock(fault_mu_);
    replication_fault = replication_fault_;
    if (replication_fault && absl::IsFailedPrecondition(fault_)) return fault_;  // for good
  }
  if (replication_fault) {
    // The store itself is whole: flushing what waits is all there is to do.
    if (absl::Status flushed = replication_->Flush(); !flushed.ok()) return flushed;
    std::lock_guard lock(fault_mu_);
    fault_ = absl::OkStatus();
    replication_fault_ = false;
    if (options_.write_fault != nullptr) options_.write_fault->Add(-1);
    LogInfo("store", "replication flushed again; writes resume");
    if (fault_observer_) fault_observer_();
    return absl::OkStatus();
  }
  OMNI_RETURN_IF_ERROR(ProbeWrite());
  std::lock_guard lock(sync_mu_);
  CloseDb();
  if (auto s = OpenDb(); !s.ok()) {
    LogError("store", absl::StrCat("reopening after a write fault: ", s.message()));
    return s;
  }
  std::lock_guard fault_lock(fault_mu_);
  fault_ = absl::OkStatus();
  if (options_.write_fault != nullptr) options_.write_fault->Add(-1);
  LogInfo("store", "reopened after a write fault; writes resume");
  if (fault_observer_) fault_observer_();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> Store::GetRaw(Family family, std::string_view key) const {
  OMNI_RETURN_IF_ERROR(Opened());
  std::string value;
  const rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), Handle(family), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return FromRocks(s, "store read");
  return value;
}

absl::StatusOr<bool> Store::Get(Family family, std::string_view key,
                                google::protobuf::MessageLite& out) const {
  auto raw = GetRaw(family, key);
  if (!raw.ok()) return raw.status();
  if (!raw->has_value()) return false;
  if (!out.ParseFromString(**raw)) {
    return absl::DataLossError(absl::StrCat("unparsable ", out.GetTypeName(), " record in store"));
  }
  return true;
}

absl::Status Store::Scan(
    Family family, std::string_view prefix, bool reverse, std::optional<std::string_view> start,
    const std::function<bool(std::string_view key, std::string_view value)>& visit) const {
  OMNI_RETURN_IF_ERROR(Opened());
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), Handle(family)));
  if (start.has_value()) {
    const rocksdb::Slice at(start->data(), start->size());
    reverse ? it->SeekForPrev(at) : it->Seek(at);
  } else if (reverse) {
    // Past every key with this prefix (our keys end in at most 8 binary bytes).
    const std::string past = absl::StrCat(ToAbsl(prefix), std::string(16, '\xff'));
    it->SeekForPrev(past);
  } else {
    it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  }
  for (; it->Valid(); reverse ? it->Prev() : it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(prefix)) break;
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  return FromRocks(it->status(), "store scan");
}

}  // namespace omni::store
