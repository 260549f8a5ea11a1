#include "broker/cluster/jetstream.h"

#include "absl/strings/str_cat.h"
#include "base/log.h"

namespace omni::cluster {

absl::Status NatsStatus(natsStatus status, jsErrCode code, std::string_view what) {
  if (status == NATS_OK) return absl::OkStatus();
  // The last error of this thread carries the server's own words ("wrong last sequence: 4").
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  const std::string message =
      absl::StrCat(std::string(what), ": ", natsStatus_GetText(status),
                   code != 0 ? absl::StrCat(" (JetStream error ", static_cast<int>(code), ")") : "",
                   text != nullptr && *text != '\0' ? absl::StrCat(": ", text) : "");
  switch (code) {
    case JSStreamWrongLastSequenceErr:
      return absl::FailedPreconditionError(message);
    case JSStreamNotFoundErr:
    case JSNoMessageFoundErr:
      return absl::NotFoundError(message);
    case JSClusterNoPeersErr:
    case JSInsufficientResourcesErr:
      return absl::UnavailableError(message);
    default:
      break;
  }
  switch (status) {
    case NATS_TIMEOUT:
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_RESPONDERS:
    case NATS_CONNECTION_DISCONNECTED:
      return absl::UnavailableError(message);
    case NATS_NOT_FOUND:
      return absl::NotFoundError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<std::unique_ptr<JetStream>> JetStream::Connect(const JetStreamOptions& options) {
  if (options.servers.empty()) return absl::InvalidArgumentError("cluster: no NATS server named");
  natsOptions* opts = nullptr;
  if (natsStatus s = natsOptions_Create(&opts); s != NATS_OK) {
    return NatsStatus(s, jsErrCode(0), "cluster: NATS options");
  }
  std::vector<const char*> servers;
  for (const auto& server : options.servers) servers.push_back(server.c_str());
  natsStatus s = natsOptions_SetServers(opts, servers.data(), static_cast<int>(servers.size()));
  if (s == NATS_OK) s = natsOptions_SetName(opts, options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, options.timeout.count());
  // A broker keeps trying for as long as it runs: the engine's servers restart, move and come
  // back, and every call in between fails on its own timeout.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, false, nullptr, nullptr);
  // Said in the broker's log: an operator sees when and where it lost and found the engine (a
  // disconnect is also said when the broker stops).
  if (s == NATS_OK) {
    s = natsOptions_SetDisconnectedCB(
        opts,
        [](natsConnection*, void*) {
          LogWarning("cluster", "disconnected from NATS");
        },
        nullptr);
  }
  if (s == NATS_OK) {
    s = natsOptions_SetReconnectedCB(
        opts,
        [](natsConnection* connection, void*) {
          char url[256] = "";
          natsConnection_GetConnectedUrl(connection, url, sizeof url);
          LogInfo("cluster", absl::StrCat("reconnected to NATS at ", url));
        },
        nullptr);
  }
  natsConnection* connection = nullptr;
  if (s == NATS_OK) s = natsConnection_Connect(&connection, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK) return NatsStatus(s, jsErrCode(0), "cluster: connecting to NATS");

  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = options.timeout.count();
  jsCtx* js = nullptr;
  if (s = natsConnection_JetStream(&js, connection, &js_options); s != NATS_OK) {
    natsConnection_Destroy(connection);
    return NatsStatus(s, jsErrCode(0), "cluster: JetStream context");
  }
  return std::unique_ptr<JetStream>(new JetStream(connection, js, options.timeout));
}

jsOptions JetStream::CallOptions() const {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = timeout_.count();
  return options;
}

absl::Status EnsureStream(JetStream& js, const StreamSettings& settings) {
  jsOptions call = js.CallOptions();
  NatsStreamInfo found;
  jsErrCode code = jsErrCode(0);
  natsStatus s = js_GetStreamInfo(&found.info, js.context(), settings.name.c_str(), &call, &code);
  if (s == NATS_OK) {
    const jsStreamConfig& config = *found.info->Config;
    if (config.SubjectsLen != 1 || settings.subject != config.Subjects[0] ||
        config.Storage != js_FileStorage || config.Replicas != settings.replicas) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cluster: stream ", settings.name, " exists with other settings (", config.Replicas,
          " replicas) than this broker's (subject ", settings.subject, ", file storage, ",
          settings.replicas, " replicas)"));
    }
    return absl::OkStatus();
  }
  if (absl::Status status = NatsStatus(s, code, "cluster: stream " + settings.name);
      !absl::IsNotFound(status)) {
    return status;
  }
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = settings.name.c_str();
  const char* subjects[] = {settings.subject.c_str()};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Replicas = settings.replicas;
  config.Retention = js_LimitsPolicy;  // kept until trimmed
  config.Duplicates = settings.duplicate_window.count();
  config.DenyDelete = settings.deny_delete;
  NatsStreamInfo created;
  code = jsErrCode(0);
  s = js_AddStream(&created.info, js.context(), &config, &call, &code);
  // Another broker may have created it between the look and the add: the same stream.
  if (s != NATS_OK && code != JSStreamNameExistErr) {
    return NatsStatus(s, code, "cluster: creating stream " + settings.name);
  }
  return absl::OkStatus();
}

JetStream::~JetStream() {
  jsCtx_Destroy(js_);
  natsConnection_Close(connection_);
  natsConnection_Destroy(connection_);
}

}  // namespace omni::cluster
