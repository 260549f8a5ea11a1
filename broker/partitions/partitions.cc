#include "broker/partitions/partitions.h"

#include <atomic>
#include <mutex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "broker/core/meta_keys.h"

namespace omni::partitions {

namespace fs = std::filesystem;
using store::Family;

namespace {

// data_dir/store, written by a broker before partitions: all of it the default tenant's.
absl::Status MigrateSingleStore(const fs::path& data_dir, const fs::path& home) {
  const fs::path legacy = data_dir / "store";
  std::error_code error;
  if (!fs::exists(legacy, error)) return absl::OkStatus();
  if (fs::exists(home, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "both ", legacy.string(), " (a store from before partitions) and ", home.string(),
        " exist; keep the one to serve and move the other away"));
  }
  fs::create_directories(home.parent_path(), error);
  fs::rename(legacy, home, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("moving ", legacy.string(), " to ", home.string(), ": ", error.message()));
  }
  LogInfo("partitions", absl::StrCat("the store from before partitions is now ", home.string(),
                                     ", the default tenant's partition"));
  return absl::OkStatus();
}

// The partitions with a directory under data_dir/partitions.
absl::StatusOr<std::set<int>> PartitionsOnDisk(const fs::path& data_dir, int count) {
  std::set<int> found;
  std::error_code error;
  const fs::path dir = data_dir / "partitions";
  if (!fs::exists(dir, error)) return found;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    int index;
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !absl::SimpleAtoi(name, &index) || Partitions::Dir(data_dir, index) != entry.path()) {
      continue;  // not a partition's (an operator's file)
    }
    if (index < 0 || index >= count) {
      return absl::FailedPreconditionError(absl::StrCat(
          entry.path().string(), " holds partition ", index, ", but partitions.count is ", count,
          "; the count of a data directory cannot shrink"));
    }
    found.insert(index);
  }
  if (error) return absl::UnavailableError(absl::StrCat("reading ", dir.string(), ": ", error.message()));
  return found;
}

// Every tenant whose data is in partition `index`'s store belongs there by `map`; the tenants of
// `served` are recorded as living there from now on.
absl::Status CheckAndRecordHomes(store::Store& store, int index, const PartitionMap& map,
                                 const std::vector<std::string>& served) {
  std::string moved;
  OMNI_RETURN_IF_ERROR(store.Scan(Family::kMeta, core::kTenantHomePrefix, false, std::nullopt,
                                  [&](std::string_view key, std::string_view) {
                                    const auto tenant = key.substr(core::kTenantHomePrefix.size());
                                    if (map.Of(tenant) == index) return true;
                                    moved = std::string(tenant);
                                    return false;
                                  }));
  if (!moved.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "tenant '", moved, "' has its data in partition ", index, ", but the partition map now "
        "gives it partition ", map.Of(moved), " (partitions.count or partitions.assign changed); "
        "moving a tenant between partitions is not supported yet: restore the previous setting"));
  }
  rocksdb::WriteBatch batch;
  for (const auto& tenant : served) store.Put(batch, Family::kMeta, core::TenantHomeKey(tenant), "");
  if (batch.Count() == 0) return absl::OkStatus();
  OMNI_RETURN_IF_ERROR(store.Write(batch));
  return store.SyncWal();
}

// Answers per partition gathered into one: `done` with the first error, after the last answer.
struct Gather {
  Gather(int left, std::function<void(absl::Status)> done) : left(left), done(std::move(done)) {}
  void One(absl::Status s) {
    std::unique_lock lock(mu);
    if (!s.ok() && first_error.ok()) first_error = std::move(s);
    if (--left > 0) return;
    const absl::Status result = first_error;
    lock.unlock();
    done(result);
  }

  std::mutex mu;
  int left;
  absl::Status first_error;
  const std::function<void(absl::Status)> done;
};

}  // namespace

fs::path Partitions::Dir(const fs::path& data_dir, int index) {
  return data_dir / "partitions" / std::to_string(index);
}

absl::StatusOr<std::unique_ptr<Partitions>> Partitions::Open(PartitionsOptions options,
                                                             ingest::IngestFront& front,
                                                             const Clock& clock,
                                                             ops::BrokerMetrics& metrics) {
  const PartitionMap& map = options.map;
  OMNI_RETURN_IF_ERROR(map.Validate());
  OMNI_RETURN_IF_ERROR(
      MigrateSingleStore(options.data_dir, Dir(options.data_dir, map.Of(options.core.tenant))));
  std::map<int, std::map<std::string, routing::RoutingPolicy>> tenants_of;
  for (const auto& [tenant, policy] : options.tenants) tenants_of[map.Of(tenant)][tenant] = policy;
  OMNI_ASSIGN_OR_RETURN(std::set<int> indices, PartitionsOnDisk(options.data_dir, map.count));
  for (const auto& [index, tenants] : tenants_of) indices.insert(index);

  std::unique_ptr<Partitions> partitions(new Partitions(front));
  for (int index : indices) {
    store::StoreOptions store_options = options.store;
    store_options.dir = Dir(options.data_dir, index);
    OMNI_ASSIGN_OR_RETURN(auto store, store::Store::Open(store_options));
    std::vector<std::string> served;
    for (const auto& [tenant, policy] : tenants_of[index]) served.push_back(tenant);
    OMNI_RETURN_IF_ERROR(CheckAndRecordHomes(*store, index, map, served));
    core::BrokerCoreOptions core_options = options.core;
    core_options.partition = index;
    core_options.tenants = tenants_of[index];
    auto core = std::make_unique<core::BrokerCore>(front, *store, clock, metrics, core_options);
    partitions->by_index_[index] = core.get();
    for (const auto& tenant : served) partitions->by_tenant_[tenant] = core.get();
    partitions->opened_.push_back({index, std::move(store), std::move(core)});
  }
  return partitions;
}

Partitions::~Partitions() { Stop(); }

absl::Status Partitions::Start() {
  for (auto& partition : opened_) OMNI_RETURN_IF_ERROR(partition.core->Start());
  return absl::OkStatus();
}

void Partitions::Stop() {
  for (auto& partition : opened_) partition.core->Stop();
}

core::BrokerCore* Partitions::ForTenant(std::string_view tenant) const {
  auto it = by_tenant_.find(tenant);
  return it == by_tenant_.end() ? nullptr : it->second;
}

void Partitions::OnEveryCore(std::function<absl::Status(core::BrokerCore&, int index)> work,
                             std::function<void(absl::Status)> done) {
  auto gather = std::make_shared<Gather>(static_cast<int>(opened_.size()), std::move(done));
  if (opened_.empty()) return gather->done(absl::OkStatus());
  for (auto& partition : opened_) {
    core::BrokerCore* core = partition.core.get();
    core->Post([core, index = partition.index, work, gather] { gather->One(work(*core, index)); });
  }
}

void Partitions::WhenEveryCoreDurable(std::function<void(absl::Status)> done) {
  auto gather = std::make_shared<Gather>(static_cast<int>(opened_.size()), std::move(done));
  if (opened_.empty()) return gather->done(absl::OkStatus());
  for (auto& partition : opened_) {
    core::BrokerCore* core = partition.core.get();
    core->Post([core, gather] { core->WhenDurable([gather](absl::Status s) { gather->One(s); }); });
  }
}

bool Partitions::ToTenant(std::string_view tenant, ingest::Admitted frame) {
  core::BrokerCore* core = ForTenant(tenant);
  if (core == nullptr) return false;
  queued_[core].push_back(std::move(frame));
  return true;
}

void Partitions::ToPartition(int partition, ingest::Admitted frame) {
  auto it = by_index_.find(partition);
  if (it == by_index_.end()) return front_.Handled(1);
  queued_[it->second].push_back(std::move(frame));
}

int Partitions::ToAll(const ingest::Admitted& frame) {
  for (auto& partition : opened_) queued_[partition.core.get()].push_back(frame);
  return static_cast<int>(opened_.size());
}

void Partitions::Flush() {
  for (auto& [core, frames] : queued_) {
    if (!frames.empty()) core->Receive(std::exchange(frames, {}));
  }
}

}  // namespace omni::partitions
