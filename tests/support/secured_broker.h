// A whole broker with its gRPC port secured: TLS with client certificates required (mTLS) from
// certificates made at test time, agent tokens signed with a secret in a temp file, and clients
// for it (agents and Admin) with a certificate and a token of the test's choosing.
#pragma once

#include <chrono>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "base/tenant_name.h"
#include "broker/auth/agent_token.h"
#include "omni/agent/security.h"
#include "omnibroker/v1/agent_console.grpc.pb.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_certs.h"

namespace omni::testing {

inline constexpr char kTestTokenSecret[] = "test-agent-token-secret-0123456789abcdef";

class SecuredBroker {
 public:
  // `adjust` changes the config before start (a rate limit, say); `clock` is the broker's.
  explicit SecuredBroker(const std::function<void(app::BrokerConfig&)>& adjust = {},
                         const Clock& clock = SystemClock::Get())
      : clock_(clock) {
    std::filesystem::create_directories(dir_.path() / "certs");
    certs_ = MakeTestCerts(dir_.path() / "certs");
    std::ofstream(dir_.path() / "token.secret") << kTestTokenSecret << "\n";
    config_ = TestConfig(dir_.path() / "data");
    config_.grpc_security.tls_cert_file = certs_.server_cert;
    config_.grpc_security.tls_key_file = certs_.server_key;
    config_.grpc_security.tls_client_ca_file = certs_.ca_cert;
    config_.grpc_security.token_secret_file = dir_.path() / "token.secret";
    // Dana works in billing, apart from the support team of the demo agents.
    omnibroker::v1::Agent dana = config_.agents[1];
    dana.set_id("dana");
    dana.clear_teams();
    dana.add_teams("billing");
    dana.set_voice_contact("sip:dana@127.0.0.1");
    config_.agents.push_back(dana);
    config_.routing.ramp_step = Duration::zero();
    if (adjust) adjust(config_);
    broker_ = std::make_unique<app::BrokerApp>(config_, clock_);
    const absl::Status started = broker_->Start();
    EXPECT_TRUE(started.ok()) << started;
  }

  // Stops the broker and starts another on the same data and config (on new ports).
  void Restart() {
    broker_.reset();
    broker_ = std::make_unique<app::BrokerApp>(config_, clock_);
    const absl::Status started = broker_->Start();
    EXPECT_TRUE(started.ok()) << started;
  }

  app::BrokerApp& broker() { return *broker_; }
  const TestCerts& certs() const { return certs_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // A token of `agent_id` of `tenant`: "" = the broker's default tenant ("default"), or every
  // tenant ("*") for role operator.
  static std::string Token(const std::string& agent_id, auth::Role role = auth::Role::kAgent,
                           std::chrono::seconds ttl = std::chrono::hours(1),
                           const std::string& secret = kTestTokenSecret,
                           const std::string& tenant = "") {
    const TimePoint now = SystemClock::Get().Now();
    // An expired one (ttl < 0) was issued an hour before it expired.
    if (ttl <= std::chrono::seconds::zero()) {
      return TokenIssuedAt(agent_id, now + ttl - std::chrono::hours(1), role, std::chrono::hours(1),
                           secret, tenant);
    }
    return TokenIssuedAt(agent_id, now, role, ttl, secret, tenant);
  }
  static std::string TokenIssuedAt(const std::string& agent_id, TimePoint issued_at,
                                   auth::Role role = auth::Role::kAgent,
                                   std::chrono::seconds ttl = std::chrono::hours(1),
                                   const std::string& secret = kTestTokenSecret,
                                   const std::string& tenant = "") {
    const std::string of = !tenant.empty()                 ? tenant
                           : role == auth::Role::kOperator ? std::string(kAnyTenant)
                                                           : "default";
    return auth::MintAgentToken(auth::NewAgentClaims(agent_id, of, role, issued_at, ttl), secret);
  }
  // The id (jti) of a token of the test secret.
  static std::string TokenId(const std::string& token) {
    std::string payload;
    EXPECT_TRUE(absl::WebSafeBase64Unescape(token.substr(token.find('.') + 1,
                                                         token.rfind('.') - token.find('.') - 1),
                                            &payload));
    return nlohmann::json::parse(payload).value("jti", "");
  }

  // TLS credentials trusting the test CA, with the client certificate (or none, or the rogue one).
  enum class ClientCert { kTrusted, kNone, kRogue };
  std::shared_ptr<grpc::ChannelCredentials> Credentials(ClientCert cert = ClientCert::kTrusted) const {
    agent::TlsFiles files{.ca_file = certs_.ca_cert};
    if (cert == ClientCert::kTrusted) {
      files.cert_file = certs_.client_cert;
      files.key_file = certs_.client_key;
    } else if (cert == ClientCert::kRogue) {
      files.cert_file = certs_.rogue_client_cert;
      files.key_file = certs_.rogue_client_key;
    }
    return agent::TlsCredentials(files).value();
  }

  absl::StatusOr<std::unique_ptr<agent::AgentClient>> Agent(
      const std::string& agent_id, const std::string& token,
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) {
    return agent::AgentClient::Connect({.target = broker_->grpc_address(),
                                        .agent_id = agent_id,
                                        .token = token,
                                        .credentials = credentials ? credentials : Credentials(),
                                        .connect_timeout = std::chrono::seconds(3)});
  }

  std::unique_ptr<omnibroker::v1::Admin::Stub> Admin(
      const std::string& token, std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) {
    return omnibroker::v1::Admin::NewStub(agent::AuthorizedChannel(
        broker_->grpc_address(), credentials ? credentials : Credentials(), token));
  }

 private:
  const Clock& clock_;
  TempDir dir_;
  TestCerts certs_;
  app::BrokerConfig config_;
  std::unique_ptr<app::BrokerApp> broker_;
};

// A console's Connect stream opened by hand (no SDK: nothing reconnects or resends), logged in as
// `agent_id`, for tests of how the broker ends it. Cancelled on destruction.
class ConsoleStream {
 public:
  ConsoleStream(SecuredBroker& secured, const std::string& agent_id, const std::string& token)
      : stub_(omnibroker::v1::AgentConsole::NewStub(agent::AuthorizedChannel(
            secured.broker().grpc_address(), secured.Credentials(), token))) {
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    stream_ = stub_->Connect(&context_);
    omnibroker::v1::AgentRequest login;
    login.set_request_id("login");
    login.mutable_login()->set_agent_id(agent_id);
    stream_->Write(login);
  }
  ~ConsoleStream() {
    if (finished_) return;
    context_.TryCancel();
    stream_->Finish();
  }

  // The code the login was answered with (updates before it are skipped); UNKNOWN when the
  // stream ended first.
  int LoginCode() {
    omnibroker::v1::AgentUpdate update;
    while (stream_->Read(&update)) {
      if (update.has_result() && update.result().request_id() == "login") return update.result().code();
    }
    return static_cast<int>(grpc::StatusCode::UNKNOWN);
  }
  // The status the broker ended the stream with, reading (and dropping) updates until then; the
  // stream's deadline (20 s) if it does not.
  grpc::Status Ended() {
    omnibroker::v1::AgentUpdate update;
    while (stream_->Read(&update)) {
    }
    finished_ = true;
    return stream_->Finish();
  }

 private:
  std::unique_ptr<omnibroker::v1::AgentConsole::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<omnibroker::v1::AgentRequest, omnibroker::v1::AgentUpdate>> stream_;
  bool finished_ = false;
};

}  // namespace omni::testing
