#include "broker/cluster/log_batch.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "omnibroker/v1/cluster.pb.h"

namespace omni::cluster {
namespace {

// Walks a write batch into a LogBatch, naming each write's family by its number.
class Encoder : public rocksdb::WriteBatch::Handler {
 public:
  Encoder(const store::Store& store, omnibroker::v1::LogBatch& batch) : batch_(batch) {
    for (int f = 0; f < store::kFamilyCount; ++f) {
      if (auto* handle = store.Handle(static_cast<store::Family>(f))) families_[handle->GetID()] = f;
    }
  }

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return Add(id, key, &value);
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return Add(id, key, nullptr);
  }
  // Anything else is not a write the store makes: refused, so a new kind of write cannot be left
  // out of the log unnoticed.
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override { return Refused("single delete"); }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Refused("range delete");
  }
  rocksdb::Status MergeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Refused("merge");
  }
  rocksdb::Status PutBlobIndexCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    return Refused("blob index");
  }

 private:
  rocksdb::Status Add(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice* value) {
    auto family = families_.find(id);
    if (family == families_.end()) {
      return rocksdb::Status::InvalidArgument(absl::StrCat("a write on column family ", id,
                                                           ", which is not one of the store's"));
    }
    auto* write = batch_.add_writes();
    write->set_family(family->second);
    write->set_key(key.data(), key.size());
    if (value != nullptr) {
      write->set_value(value->data(), value->size());
    } else {
      write->set_deleted(true);
    }
    return rocksdb::Status::OK();
  }
  static rocksdb::Status Refused(const char* what) {
    return rocksdb::Status::InvalidArgument(absl::StrCat("a ", what, ", which the store never writes"));
  }

  std::map<uint32_t, int> families_;  // column family id -> store::Family
  omnibroker::v1::LogBatch& batch_;
};

}  // namespace

absl::Status AddToRecord(const store::Store& store, const rocksdb::WriteBatch& batch,
                         omnibroker::v1::LogBatch& record) {
  Encoder encoder(store, record);
  if (rocksdb::Status s = batch.Iterate(&encoder); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("cluster: a batch for the log: ", s.ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> EncodeBatch(const store::Store& store, const rocksdb::WriteBatch& batch) {
  omnibroker::v1::LogBatch record;
  OMNI_RETURN_IF_ERROR(AddToRecord(store, batch, record));
  return record.SerializeAsString();
}

absl::Status DecodeBatch(const store::Store& store, std::string_view data,
                         rocksdb::WriteBatch& batch) {
  OMNI_ASSIGN_OR_RETURN(const omnibroker::v1::LogBatch record, ParseLogBatch(data));
  for (const auto& write : record.writes()) {
    const auto family = static_cast<store::Family>(write.family());
    if (write.deleted()) {
      store.Delete(batch, family, write.key());
    } else {
      store.Put(batch, family, write.key(), std::string_view(write.value()));
    }
  }
  return absl::OkStatus();
}

}  // namespace omni::cluster
