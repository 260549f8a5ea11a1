#include "broker/cluster/partition_leases.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace omni::cluster {
namespace {

// How JetStream's key-value convention marks an entry that was deleted or purged.
constexpr char kOperationHeader[] = "KV-Operation";


}  // namespace

absl::StatusOr<std::unique_ptr<PartitionLeases>> PartitionLeases::Open(
    JetStream& js, const PartitionLeasesOptions& options) {
  const std::string bucket = absl::StrCat(options.prefix, "_LEASES");
  kvConfig config;
  kvConfig_Init(&config);
  config.Bucket = bucket.c_str();
  config.History = 1;
  config.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(options.ttl).count();
  config.Replicas = options.replicas;
  config.StorageType = js_FileStorage;
  kvStore* kv = nullptr;
  // Creating an existing bucket with the same settings is answered as created.
  const natsStatus s = js_CreateKeyValue(&kv, js.context(), &config);
  if (s != NATS_OK) return NatsStatus(s, jsErrCode(0), "cluster: lease bucket " + bucket);
  kvStore_Destroy(kv);
  return std::unique_ptr<PartitionLeases>(
      new PartitionLeases(js, bucket, std::min<std::chrono::milliseconds>(js.timeout(), options.ttl / 3)));
}

std::string PartitionLeases::Subject(int partition) const {
  return absl::StrCat("$KV.", bucket_, ".p", partition);
}

absl::StatusOr<PartitionLeases::Last> PartitionLeases::LastOf(int partition) const {
  jsOptions call;
  jsOptions_Init(&call);
  call.Wait = call_timeout_.count();
  NatsMessage message;
  jsErrCode code = jsErrCode(0);
  const std::string stream = "KV_" + bucket_;
  const natsStatus s = js_GetLastMsg(&message.msg, js_.context(), stream.c_str(),
                                     Subject(partition).c_str(), &call, &code);
  if (s != NATS_OK) {
    absl::Status status = NatsStatus(s, code, absl::StrCat("cluster: lease of partition ", partition));
    if (absl::IsNotFound(status)) return Last{};  // never taken, or expired
    return status;
  }
  Last last{.revision = natsMsg_GetSequence(message.msg)};
  const char* operation = nullptr;
  if (natsMsgHeader_Get(message.msg, kOperationHeader, &operation) == NATS_OK) return last;
  omnibroker::v1::PartitionLease value;
  if (!value.ParseFromArray(natsMsg_GetData(message.msg), natsMsg_GetDataLength(message.msg))) {
    return absl::DataLossError(
        absl::StrCat("cluster: the lease of partition ", partition, " at revision ",
                     last.revision, " is not a PartitionLease"));
  }
  last.lease = Lease{.partition = partition,
                     .revision = last.revision,
                     .epoch = value.epoch() != 0 ? value.epoch() : last.revision,
                     .value = std::move(value)};
  return last;
}

absl::StatusOr<uint64_t> PartitionLeases::Write(int partition,
                                                const omnibroker::v1::PartitionLease* value,
                                                uint64_t expected) {
  const std::string subject = Subject(partition);
  const std::string data = value != nullptr ? value->SerializeAsString() : "";
  NatsMessage message;
  natsStatus s = natsMsg_Create(&message.msg, subject.c_str(), nullptr, data.data(),
                                static_cast<int>(data.size()));
  if (s == NATS_OK && value == nullptr) s = natsMsgHeader_Set(message.msg, kOperationHeader, "DEL");
  if (s != NATS_OK) return NatsStatus(s, jsErrCode(0), "cluster: lease message");
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = call_timeout_.count();
  if (expected == 0) {
    options.ExpectNoMessage = true;
  } else {
    options.ExpectLastSubjectSeq = expected;
  }
  jsPubAck* ack = nullptr;
  jsErrCode code = jsErrCode(0);
  s = js_PublishMsg(&ack, js_.context(), message.msg, &options, &code);
  if (s != NATS_OK) {
    return NatsStatus(s, code, absl::StrCat("cluster: lease of partition ", partition));
  }
  const uint64_t revision = ack->Sequence;
  jsPubAck_Destroy(ack);
  return revision;
}

absl::StatusOr<Lease> PartitionLeases::Holder(int partition) const {
  OMNI_ASSIGN_OR_RETURN(Last last, LastOf(partition));
  if (!last.lease) {
    return absl::NotFoundError(absl::StrCat("cluster: nobody holds partition ", partition));
  }
  return *std::move(last.lease);
}

absl::StatusOr<Lease> PartitionLeases::Acquire(int partition,
                                               const omnibroker::v1::PartitionLease& self) {
  OMNI_ASSIGN_OR_RETURN(Last last, LastOf(partition));
  if (last.lease && last.lease->value.broker() != self.broker()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster: partition ", partition, " is held by ",
                     last.lease->value.broker(), " (epoch ", last.lease->epoch, ")"));
  }
  omnibroker::v1::PartitionLease value = self;
  value.set_epoch(0);  // a new holder: its first revision is its epoch
  auto revision = Write(partition, &value, last.revision);
  if (absl::IsFailedPrecondition(revision.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("cluster: partition ", partition, " was taken meanwhile"));
  }
  OMNI_RETURN_IF_ERROR(revision.status());
  return Lease{.partition = partition, .revision = *revision, .epoch = *revision, .value = value};
}

absl::StatusOr<Lease> PartitionLeases::Renew(const Lease& lease) {
  omnibroker::v1::PartitionLease value = lease.value;
  value.set_epoch(lease.epoch);
  auto revision = Write(lease.partition, &value, lease.revision);
  if (absl::IsFailedPrecondition(revision.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster: the lease of partition ", lease.partition, " (epoch ", lease.epoch, ") was lost"));
  }
  OMNI_RETURN_IF_ERROR(revision.status());
  Lease renewed = lease;
  renewed.revision = *revision;
  renewed.value = std::move(value);
  return renewed;
}

absl::Status PartitionLeases::Release(const Lease& lease) {
  auto revision = Write(lease.partition, nullptr, lease.revision);
  if (absl::IsFailedPrecondition(revision.status())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cluster: the lease of partition ", lease.partition, " (epoch ", lease.epoch, ") was lost"));
  }
  return revision.status();
}

absl::StatusOr<std::unique_ptr<LeaseWatch>> PartitionLeases::Watch(LeaseChanged changed) {
  std::unique_ptr<LeaseWatch> watch(new LeaseWatch(std::move(changed)));
  // Every write of the bucket is also a plain NATS message on the key's subject: a core
  // subscription sees each one as it is stored, without a consumer on the stream.
  const std::string subjects = absl::StrCat("$KV.", bucket_, ".*");
  natsStatus s = natsConnection_Subscribe(&watch->subscription_, js_.connection(),
                                          subjects.c_str(), &LeaseWatch::OnMessage, watch.get());
  if (s == NATS_OK) {
    s = natsSubscription_SetOnCompleteCB(
        watch->subscription_,
        [](void* self) { static_cast<LeaseWatch*>(self)->completed_.set_value(); }, watch.get());
    watch->completes_ = s == NATS_OK;
  }
  // Subscribed once the server knows it: a change made right after Watch returns is seen.
  if (s == NATS_OK) s = natsConnection_FlushTimeout(js_.connection(), js_.timeout().count());
  if (s != NATS_OK) return NatsStatus(s, jsErrCode(0), "cluster: watching the leases");
  return watch;
}

void LeaseWatch::OnMessage(natsConnection*, natsSubscription*, natsMsg* message, void* self) {
  const std::string_view subject = natsMsg_GetSubject(message);
  const auto key = subject.substr(subject.rfind('.') + 1);
  int partition;
  if (key.size() > 1 && key[0] == 'p' && absl::SimpleAtoi(std::string(key.substr(1)), &partition)) {
    const char* operation = nullptr;
    omnibroker::v1::PartitionLease holder;
    if (natsMsgHeader_Get(message, kOperationHeader, &operation) == NATS_OK) {
      static_cast<LeaseWatch*>(self)->changed_(partition, nullptr);
    } else if (holder.ParseFromArray(natsMsg_GetData(message), natsMsg_GetDataLength(message))) {
      static_cast<LeaseWatch*>(self)->changed_(partition, &holder);
    }  // else not a lease: Holder() says so to whoever asks
  }
  natsMsg_Destroy(message);
}

LeaseWatch::~LeaseWatch() {
  if (subscription_ == nullptr) return;
  // No callback runs once this returns: libnats says when the last one has.
  auto completed = completed_.get_future();
  if (natsSubscription_Unsubscribe(subscription_) == NATS_OK && completes_) completed.wait();
  natsSubscription_Destroy(subscription_);
}

}  // namespace omni::cluster
