// Reaching a secured broker: channel credentials for TLS from PEM files (the CA that signed the
// broker's certificate and, for a broker that requires client certificates (mTLS), this client's
// certificate and key), the agent token, the tenant the calls act for, and the command-line flags
// every agent-sdk program and omnictl take for them.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace omni::agent {

// The metadata key naming the tenant a call acts for (the broker's auth::kTenantMetadata): an
// operator's token needs it; an agent's token may repeat its own tenant; in dev mode it picks one.
inline constexpr char kTenantMetadata[] = "x-omni-tenant";

struct TlsFiles {
  std::string ca_file;    // PEM; "" = the system's roots
  std::string cert_file;  // PEM client certificate (mTLS); with key_file
  std::string key_file;
};

// NOT_FOUND naming the file that cannot be read; INVALID_ARGUMENT for a cert without its key.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(const TlsFiles& files);

// A channel to `target` whose every call carries "authorization: Bearer <token>" (none when
// `token` is "") and "x-omni-tenant: <tenant>" (none when `tenant` is ""): what the broker checks,
// on AgentConsole and Admin alike.
std::shared_ptr<grpc::Channel> AuthorizedChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token, const std::string& tenant = "",
    const grpc::ChannelArguments& args = {});

// --ca FILE, --cert FILE, --key FILE (TLS; any of them turns TLS on), --token-file FILE (the
// agent token; else the environment variable OMNI_AGENT_TOKEN, else none) and --tenant NAME (sent
// as x-omni-tenant on every call; none when not given).
struct SecurityFlags {
  static constexpr char kUsage[] =
      "[--ca FILE] [--cert FILE --key FILE] [--token-file FILE] [--tenant NAME]";

  // True when `name` is one of these flags (and `value` is kept).
  bool Take(const std::string& name, const std::string& value);
  // TLS credentials when a TLS flag was given, else plaintext ones.
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials() const;
  // The token ("" when none was given), without the file's trailing newline.
  absl::StatusOr<std::string> Token() const;

  TlsFiles tls;
  std::string token_file;
  std::string tenant;  // "" = none named
};

}  // namespace omni::agent
