#include "broker/auth/grpc_security.h"

#include <openssl/pem.h>
#include <openssl/x509.h>


#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/secret_file.h"

namespace omni::auth {
namespace {

constexpr size_t kMinSecretBytes = 32;

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

Bio MemoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;

// The first certificate of a PEM text, or an error naming `key` and `path`.
absl::StatusOr<Certificate> FirstCertificate(const std::string& key, const std::string& path,
                                             const std::string& pem) {
  Bio bio = MemoryBio(pem);
  Certificate cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!cert) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, ": ", path, " holds no PEM certificate"));
  }
  return cert;
}

}  // namespace

absl::StatusOr<std::string> ReadTokenSecret(const std::string& what, const std::string& path) {
  auto read = ReadSecretFile(path);
  if (!read.ok()) return absl::InvalidArgumentError(absl::StrCat(what, ": ", read.status().message()));
  std::string secret = *std::move(read);
  if (secret.size() < kMinSecretBytes) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": ", path, " holds ",
                                                   secret.size(), " bytes; at least ",
                                                   kMinSecretBytes, " are needed"));
  }
  return secret;
}

absl::StatusOr<GrpcSecurity> LoadGrpcSecurity(const GrpcSecurityConfig& config) {
  GrpcSecurity out;
  out.auth.leeway = config.token_leeway;
  out.auth.max_lifetime = config.token_max_lifetime;
  out.auth.rate_limit = config.rate_limit;
  out.auth.failed_auth_limit = config.failed_auth_limit;
  if (!config.token_secret_file.empty()) {
    OMNI_ASSIGN_OR_RETURN(out.auth.token_secret, ReadTokenSecret("grpc_security.token_secret_file", config.token_secret_file));
  }
  if (config.tls_cert_file.empty()) {
    if (!config.tls_key_file.empty() || !config.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "grpc_security.tls_cert_file: needed when tls_key_file or tls_client_ca_file is set");
    }
    out.credentials = grpc::InsecureServerCredentials();
    return out;
  }
  if (config.tls_key_file.empty()) {
    return absl::InvalidArgumentError("grpc_security.tls_key_file: needed with tls_cert_file");
  }
  OMNI_ASSIGN_OR_RETURN(std::string cert_pem, ReadWholeFile("grpc_security.tls_cert_file", config.tls_cert_file));
  OMNI_ASSIGN_OR_RETURN(std::string key_pem, ReadWholeFile("grpc_security.tls_key_file", config.tls_key_file));
  OMNI_ASSIGN_OR_RETURN(Certificate cert,
                        FirstCertificate("grpc_security.tls_cert_file", config.tls_cert_file, cert_pem));
  Bio key_bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) {
    return absl::InvalidArgumentError(absl::StrCat(
        "grpc_security.tls_key_file: ", config.tls_key_file, " holds no PEM private key (unencrypted)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("grpc_security.tls_key_file: ", config.tls_key_file,
                                                   " is not the key of ", config.tls_cert_file));
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({key_pem, cert_pem});
  if (!config.tls_client_ca_file.empty()) {
    OMNI_ASSIGN_OR_RETURN(options.pem_root_certs,
                          ReadWholeFile("grpc_security.tls_client_ca_file", config.tls_client_ca_file));
    OMNI_RETURN_IF_ERROR(FirstCertificate("grpc_security.tls_client_ca_file", config.tls_client_ca_file,
                                          options.pem_root_certs)
                             .status());
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    out.mutual_tls = true;
  }
  out.credentials = grpc::SslServerCredentials(options);
  out.tls = true;
  return out;
}

}  // namespace omni::auth
