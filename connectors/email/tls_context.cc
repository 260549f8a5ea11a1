#include "connectors/email/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace omni::connectors::email {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
using Certificate = std::unique_ptr<X509, decltype(&X509_free)>;
using PrivateKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Bio MemoryBio(std::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

// OpenSSL's reason for the last failure, for an error message.
std::string LastOpensslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no detail";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

absl::StatusOr<TlsContext> NewContext(const SSL_METHOD* method) {
  TlsContext context(SSL_CTX_new(method), &SSL_CTX_free);
  if (!context) return absl::InternalError(absl::StrCat("SSL_CTX_new: ", LastOpensslError()));
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  return context;
}

}  // namespace

absl::StatusOr<TlsContext> ServerTlsContext(std::string_view chain_pem, std::string_view key_pem) {
  auto context = NewContext(TLS_server_method());
  if (!context.ok()) return context.status();
  Bio chain = MemoryBio(chain_pem);
  Certificate leaf(PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!leaf || SSL_CTX_use_certificate(context->get(), leaf.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the certificate is not PEM: ", LastOpensslError()));
  }
  while (X509* intermediate = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(context->get(), intermediate);  // the context owns it now
  }
  ERR_clear_error();  // the end of the chain reads as an error
  Bio key_bio = MemoryBio(key_pem);
  PrivateKey key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key || SSL_CTX_use_PrivateKey(context->get(), key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key is not a PEM private key: ", LastOpensslError()));
  }
  if (SSL_CTX_check_private_key(context->get()) != 1) {
    return absl::InvalidArgumentError("the key is not the certificate's");
  }
  return context;
}

absl::StatusOr<TlsContext> ClientTlsContext(std::string_view ca_pem) {
  auto context = NewContext(TLS_client_method());
  if (!context.ok()) return context.status();
  SSL_CTX_set_verify(context->get(), SSL_VERIFY_PEER, nullptr);
  if (ca_pem.empty()) {
    SSL_CTX_set_default_verify_paths(context->get());
    return context;
  }
  Bio bio = MemoryBio(ca_pem);
  X509_STORE* store = SSL_CTX_get_cert_store(context->get());
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    added += X509_STORE_add_cert(store, ca);
    X509_free(ca);
  }
  ERR_clear_error();
  if (added == 0) return absl::InvalidArgumentError("holds no PEM certificate");
  return context;
}

}  // namespace omni::connectors::email
