// OpenSSL contexts for the email connector's TLS: the listener's (its certificate and key, for
// STARTTLS) and the relay client's (which CAs to trust). TLS 1.2 or newer.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace omni::connectors::email {

using TlsContext = std::shared_ptr<SSL_CTX>;

// From PEM text: a certificate chain (the listener's certificate first) and its private key.
// Errors say which one does not parse or that the key is not the certificate's.
absl::StatusOr<TlsContext> ServerTlsContext(std::string_view chain_pem, std::string_view key_pem);

// Verifies the peer's certificate against the CAs of `ca_pem`, or the system's when it is empty.
absl::StatusOr<TlsContext> ClientTlsContext(std::string_view ca_pem);

}  // namespace omni::connectors::email
