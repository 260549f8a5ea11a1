#include "omni/agent/security.h"

#include <cstdlib>
#include <grpcpp/create_channel.h>
#include <grpcpp/support/client_interceptor.h>

#include <tuple>

#include "absl/strings/str_cat.h"
#include "base/secret_file.h"

namespace omni::agent {
namespace {

// Adds the authorization metadata to each call as it starts.
class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(const std::string& value) : value_(value) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", value_});
    }
    methods->Proceed();
  }

 private:
  const std::string& value_;  // the factory's, which the channel keeps
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::string token) : value_("Bearer " + std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor(value_);
  }

 private:
  const std::string value_;
};

}  // namespace

std::shared_ptr<grpc::Channel> AuthorizedChannel(const std::string& target,
                                                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                                                 const std::string& token,
                                                 const grpc::ChannelArguments& args) {
  if (token.empty()) return grpc::CreateCustomChannel(target, credentials, args);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<BearerInterceptorFactory>(token));
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
