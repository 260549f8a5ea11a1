#include "broker/store/store.h"

#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>

#include "broker/store/keys.h"
#include "omnibroker/v1/event.pb.h"
#include "omnibroker/v1/ingest.pb.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::store {
namespace {

constexpr std::string_view kSchemaVersionKey = "schema_version";
constexpr char kSchemaVersion[] = "2";

// Order matches enum Family.
const std::vector<std::string>& FamilyNames() {
  static const std::vector<std::string> names = {
      "events", "conversations", "customers", "identities", "threads",
      "dedupe", "agents",        "outbox",    "meta",     "customer_events", "audit", "expiry",
      "routing"};
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

}  // namespace

absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(ToAbsl(what), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) return absl::UnavailableError(message);
  if (s.IsInvalidArgument()) return absl::FailedPreconditionError(message);
  return absl::InternalError(message);
}

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

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  // A torn last record is what a crash leaves of a write nobody was told was durable: drop it.
  // Damage anywhere else in the WAL loses acknowledged writes: refuse to start and say so,
  // instead of replaying up to the damage and silently dropping the rest.
  db_options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  if (options.env != nullptr) db_options.env = options.env;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  auto store = std::unique_ptr<Store>(new Store());
  store->dedupe_expiry_ = std::make_unique<DedupeExpiry>(
      options.dedupe_window, options.clock != nullptr ? *options.clock : SystemClock::Get());
  rocksdb::ColumnFamilyOptions dedupe_options = cf_options;
  dedupe_options.compaction_filter = store->dedupe_expiry_.get();
  dedupe_options.periodic_compaction_seconds = 24 * 60 * 60;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, cf_options);
  for (const auto& name : FamilyNames()) {
    descriptors.emplace_back(name, name == "dedupe" ? dedupe_options : cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(db_options, options.dir.string(), descriptors, &handles, &db);
  if (!s.ok()) {
    return FromRocks(s, absl::StrCat("opening the store in ", options.dir.string()));
  }
  store->db_.reset(db);
  store->handles_ = std::move(handles);

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
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(options, Handle(family), nullptr, nullptr), "compacting");
}

Store::~Store() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  db_->Close();
}

rocksdb::ColumnFamilyHandle* Store::Handle(Family family) const {
  // handles_[0] is the default family, which omnibroker does not use.
  return handles_[static_cast<size_t>(family) + 1];
}

void Store::Put(rocksdb::WriteBatch& batch, Family family, std::string_view key,
                const google::protobuf::MessageLite& message) const {
  Put(batch, family, key, message.SerializeAsString());
}

void Store::Put(rocksdb::WriteBatch& batch, Family family, std::string_view key,
                std::string_view value) const {
  batch.Put(Handle(family), rocksdb::Slice(key.data(), key.size()),
            rocksdb::Slice(value.data(), value.size()));
}

void Store::Delete(rocksdb::WriteBatch& batch, Family family, std::string_view key) const {
  batch.Delete(Handle(family), rocksdb::Slice(key.data(), key.size()));
}

absl::Status Store::Write(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = false;
  ScopedTimer timer(write_latency_);
  return FromRocks(db_->Write(options, &batch), "store write");
}

absl::Status Store::SyncWal() {
  ScopedTimer timer(sync_latency_);
  return FromRocks(db_->SyncWAL(), "WAL sync");
}

absl::StatusOr<std::optional<std::string>> Store::GetRaw(Family family, std::string_view key) const {
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
