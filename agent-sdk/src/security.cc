#include "omni/agent/security.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/client_interceptor.h>

#include <cstdlib>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/secret_file.h"

namespace omni::agent {
namespace {

using Metadata = std::vector<std::pair<std::string, std::string>>;

// Adds the caller's metadata (authorization, x-omni-tenant) to each call as it starts.
class CallerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CallerInterceptor(const Metadata& metadata) : metadata_(metadata) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      for (const auto& [key, value] : metadata_) {
        methods->GetSendInitialMetadata()->insert({key, value});
      }
    }
    methods->Proceed();
  }

 private:
  const Metadata& metadata_;  // the factory's, which the channel keeps
};

class CallerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit CallerInterceptorFactory(Metadata metadata) : metadata_(std::move(metadata)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new CallerInterceptor(metadata_);
  }

 private:
  const Metadata metadata_;
};

}  // namespace

std::shared_ptr<grpc::Channel> AuthorizedChannel(
    const std::string& target, std::shared_ptr<grpc::ChannelCredentials> credentials,
    const std::string& token, const std::string& tenant, const grpc::ChannelArguments& args) {
  Metadata metadata;
  if (!token.empty()) metadata.emplace_back("authorization", "Bearer " + token);
  if (!tenant.empty()) metadata.emplace_back(kTenantMetadata, tenant);
  if (metadata.empty()) return grpc::CreateCustomChannel(target, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<CallerInterceptorFactory>(std::move(metadata)));
  return grpc::experimental::CreateCustomChannelWithInterceptors(target, credentials, args,
                                                                  std::move(interceptors));
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> TlsCredentials(const TlsFiles& files) {
  if (files.cert_file.empty() != files.key_file.empty()) {
    return absl::InvalidArgumentError("a client certificate needs its key, and a key its certificate");
  }
  grpc::SslCredentialsOptions options;
  for (auto [what, path, out] : {std::tuple{"CA", &files.ca_file, &options.pem_root_certs},
                                 std::tuple{"client certificate", &files.cert_file, &options.pem_cert_chain},
                                 std::tuple{"client key", &files.key_file, &options.pem_private_key}}) {
    if (path->empty()) continue;
    auto pem = ReadWholeFile(what, *path);
    if (!pem.ok()) return pem.status();
    *out = *std::move(pem);
  }
  return grpc::SslCredentials(options);
}

bool SecurityFlags::Take(const std::string& name, const std::string& value) {
  if (name == "--ca") {
    tls.ca_file = value;
  } else if (name == "--cert") {
    tls.cert_file = value;
  } else if (name == "--key") {
    tls.key_file = value;
  } else if (name == "--token-file") {
    token_file = value;
  } else if (name == "--tenant") {
    tenant = value;
  } else {
    return false;
  }
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> SecurityFlags::Credentials() const {
  if (tls.ca_file.empty() && tls.cert_file.empty() && tls.key_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  return TlsCredentials(tls);
}

absl::StatusOr<std::string> SecurityFlags::Token() const {
  if (token_file.empty()) {
    const char* env = std::getenv("OMNI_AGENT_TOKEN");
    return env != nullptr ? env : "";
  }
  auto token = ReadWholeFile("--token-file", token_file);
  if (!token.ok()) return token.status();
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  return token;
}

}  // namespace omni::agent
