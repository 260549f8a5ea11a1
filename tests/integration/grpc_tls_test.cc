// TLS and mTLS on the broker's gRPC port, with certificates made at test time: only a client
// that checks the broker's certificate and presents one the client CA signed gets through.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "omnibroker/v1/admin.grpc.pb.h"
#include "tests/support/secured_broker.h"

namespace omni {
namespace {

using auth::Role;
using testing::SecuredBroker;
using ClientCert = SecuredBroker::ClientCert;
using namespace std::chrono_literals;

grpc::Status ListAgents(omnibroker::v1::Admin::Stub& admin) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 3s);
  omnibroker::v1::ListAgentsResponse response;
  return admin.ListAgents(&context, {}, &response);
}

class GrpcTlsTest : public ::testing::Test {
 protected:
  SecuredBroker secured_;
};

TEST_F(GrpcTlsTest, AClientWithTheCaAndItsCertificateGetsThrough) {
  auto alice = secured_.Agent("alice", SecuredBroker::Token("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status();
  EXPECT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  EXPECT_TRUE(ListAgents(*secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin))).ok());
  (*alice)->Close();
}

TEST_F(GrpcTlsTest, APlaintextClientIsRefused) {
  auto alice = secured_.Agent("alice", SecuredBroker::Token("alice"), grpc::InsecureChannelCredentials());
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnavailable) << alice.status();
  EXPECT_EQ(ListAgents(*secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                       grpc::InsecureChannelCredentials()))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, AClientWithoutACertificateIsRefused) {
  auto alice = secured_.Agent("alice", SecuredBroker::Token("alice"), secured_.Credentials(ClientCert::kNone));
  EXPECT_EQ(alice.status().code(), absl::StatusCode::kUnavailable) << alice.status();
  EXPECT_EQ(ListAgents(*secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                       secured_.Credentials(ClientCert::kNone)))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, ACertificateFromAnotherCaIsRefused) {
  EXPECT_EQ(ListAgents(*secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                       secured_.Credentials(ClientCert::kRogue)))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcTlsTest, AClientThatDoesNotTrustTheBrokersCaIsRefused) {
  agent::TlsFiles files{.ca_file = secured_.certs().rogue_client_cert,  // not the broker's CA
                        .cert_file = secured_.certs().client_cert,
                        .key_file = secured_.certs().client_key};
  EXPECT_EQ(ListAgents(*secured_.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                       agent::TlsCredentials(files).value()))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST(GrpcTlsOnlyTest, WithoutAClientCaAClientNeedsNoCertificate) {
  SecuredBroker secured([](app::BrokerConfig& config) { config.grpc_security.tls_client_ca_file = ""; });
  EXPECT_TRUE(ListAgents(*secured.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                        secured.Credentials(ClientCert::kNone)))
                  .ok());
  EXPECT_EQ(ListAgents(*secured.Admin(SecuredBroker::Token("ops", Role::kAdmin),
                                      grpc::InsecureChannelCredentials()))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace omni
