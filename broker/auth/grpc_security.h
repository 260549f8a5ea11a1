// The gRPC port's security from the configuration: TLS (server certificate and key; with a client
// CA, client certificates are required and verified: mTLS) and the agent token secret, read and
// checked once, at start and by `omnibroker check-config`, so a bad file is named before the port
// opens. Nothing configured = plaintext and dev mode (see call_auth.h).
#pragma once

#include <memory>
#include <string>

#include <grpcpp/security/server_credentials.h>

#include "absl/status/statusor.h"
#include "broker/auth/call_auth.h"

namespace omni::auth {

struct GrpcSecurityConfig {
  std::string tls_cert_file;       // PEM certificate chain; "" = plaintext
  std::string tls_key_file;        // PEM private key of the certificate
  std::string tls_client_ca_file;  // PEM CA(s); set = mTLS: clients must present a cert it signed
  std::string token_secret_file;   // HMAC-SHA256 key of agent tokens, >= 32 bytes; "" = dev mode
  std::chrono::seconds token_leeway{60};
  std::chrono::seconds token_max_lifetime = kDefaultMaxTokenLifetime;  // exp - iat
  RateLimit rate_limit{.per_second = 50, .burst = 100};
  // Per client address: 20 failed authentications, then one more every 10 s.
  RateLimit failed_auth_limit{.per_second = 0.1, .burst = 20};
};

struct GrpcSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  bool tls = false;
  bool mutual_tls = false;
  AuthOptions auth;
};

// Reads and checks every file named: PEM that parses, the key that belongs to the certificate,
// a secret long enough. Errors name the config key and the file.
absl::StatusOr<GrpcSecurity> LoadGrpcSecurity(const GrpcSecurityConfig& config);

// The token secret in `path`, read like every secret file (ReadSecretFile: trailing line breaks
// are not part of it); at least 32 bytes. Errors begin with `what`, the setting or flag.
absl::StatusOr<std::string> ReadTokenSecret(const std::string& what, const std::string& path);

}  // namespace omni::auth
