#include "broker/cluster/partition_log.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace omni::cluster {
namespace {

constexpr char kMsgIdHeader[] = "Nats-Msg-Id";
// How long JetStream remembers a record's id, so a repeated append is answered, not stored twice.
constexpr std::chrono::nanoseconds kDuplicateWindow = std::chrono::minutes(2);

}  // namespace

absl::StatusOr<std::unique_ptr<PartitionLog>> PartitionLog::Open(
    JetStream& js, int partition, const PartitionLogOptions& options) {
  const std::string stream = absl::StrCat(options.prefix, "_P", partition);
  const std::string subject = absl::StrCat(options.prefix, ".p.", partition);
  OMNI_RETURN_IF_ERROR(EnsureStream(js, {.name = stream,
                                         .subject = subject,
                                         .replicas = options.replicas,
                                         .duplicate_window = kDuplicateWindow,
                                         .deny_delete = true}));
  return std::unique_ptr<PartitionLog>(new PartitionLog(js, stream, subject));
}

absl::StatusOr<bool> PartitionLog::Exists(JetStream& js, int partition,
                                          const PartitionLogOptions& options) {
  const std::string stream = absl::StrCat(options.prefix, "_P", partition);
  jsOptions call = js.CallOptions();
  NatsStreamInfo found;
  jsErrCode code = jsErrCode(0);
  const absl::Status status =
      NatsStatus(js_GetStreamInfo(&found.info, js.context(), stream.c_str(), &call, &code), code,
                 "cluster: stream " + stream);
  if (absl::IsNotFound(status)) return false;
  OMNI_RETURN_IF_ERROR(status);
  return true;
}

absl::StatusOr<uint64_t> PartitionLog::Append(std::string_view id, std::string_view data,
                                              uint64_t expected_last) {
  const std::string msg_id(id);
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = js_.timeout().count();
  options.MsgId = msg_id.c_str();
  options.ExpectStream = stream_.c_str();
  // The log has one subject, so its last sequence is the stream's. "Nothing yet" is said on the
  // subject, because 0 means "no expectation" for the stream's sequence.
  if (expected_last == 0) {
    options.ExpectNoMessage = true;
  } else {
    options.ExpectLastSeq = expected_last;
  }
  jsPubAck* ack = nullptr;
  jsErrCode code = jsErrCode(0);
  const natsStatus s = js_Publish(&ack, js_.context(), subject_.c_str(), data.data(),
                                  static_cast<int>(data.size()), &options, &code);
  if (s != NATS_OK) {
    return NatsStatus(s, code, absl::StrCat("cluster: append to ", stream_, " after ", expected_last));
  }
  const uint64_t sequence = ack->Sequence;
  jsPubAck_Destroy(ack);
  return sequence;
}

absl::StatusOr<LogBounds> PartitionLog::Bounds() const {
  jsOptions call = js_.CallOptions();
  NatsStreamInfo info;
  jsErrCode code = jsErrCode(0);
  const natsStatus s = js_GetStreamInfo(&info.info, js_.context(), stream_.c_str(), &call, &code);
  if (s != NATS_OK) return NatsStatus(s, code, "cluster: bounds of " + stream_);
  const jsStreamState& state = info.info->State;
  return LogBounds{.first = state.Msgs == 0 ? 0 : state.FirstSeq, .last = state.LastSeq};
}

absl::StatusOr<LogRecord> PartitionLog::Read(uint64_t sequence) const {
  jsOptions call = js_.CallOptions();
  NatsMessage message;
  jsErrCode code = jsErrCode(0);
  const natsStatus s =
      js_GetMsg(&message.msg, js_.context(), stream_.c_str(), sequence, &call, &code);
  if (s != NATS_OK) {
    return NatsStatus(s, code, absl::StrCat("cluster: record ", sequence, " of ", stream_));
  }
  LogRecord record{.sequence = sequence};
  const char* id = nullptr;
  if (natsMsgHeader_Get(message.msg, kMsgIdHeader, &id) == NATS_OK) record.id = id;
  record.data.assign(natsMsg_GetData(message.msg), natsMsg_GetDataLength(message.msg));
  return record;
}

absl::Status PartitionLog::TrimBefore(uint64_t sequence) {
  // Nothing is before the first record (and a purge without a sequence would drop them all).
  if (sequence <= 1) return absl::OkStatus();
  OMNI_ASSIGN_OR_RETURN(const LogBounds bounds, Bounds());
  if (sequence > bounds.last) {
    return absl::InvalidArgumentError(absl::StrCat("cluster: trimming ", stream_, " before ",
                                                   sequence, " would drop its last record ",
                                                   bounds.last));
  }
  jsOptions call = js_.CallOptions();
  call.Stream.Purge.Sequence = sequence;
  jsErrCode code = jsErrCode(0);
  return NatsStatus(js_PurgeStream(js_.context(), stream_.c_str(), &call, &code), code,
                    absl::StrCat("cluster: trimming ", stream_, " before ", sequence));
}

}  // namespace omni::cluster
