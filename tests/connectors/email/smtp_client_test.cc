// The relay client against the connector's own SMTP server on 127.0.0.1: a mail with leading
// dots arrives byte for byte (client dot-stuffing, server unstuffing), the relay's 5xx is
// FAILED_PRECONDITION with its words, 4xx and a refused connection are UNAVAILABLE (retried), no
// falling back to plaintext and no password over it. Against a real aiosmtpd relay speaking
// STARTTLS or implicit TLS and requiring AUTH (tls_relay.py): delivered with PLAIN and with LOGIN,
// a wrong password, an untrusted and a misnamed certificate fail for good with a clear error.
#include "connectors/email/smtp_client.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>
#include <vector>

#include "absl/strings/match.h"
#include "connectors/email/smtp_server.h"
#include "connectors/email/tls_context.h"
#include "tests/connectors/email/tls_relay.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_support.h"

namespace omni::connectors::email {
namespace {

// Takes mail for example.org.
SessionOptions ForExampleOrg() {
  SessionOptions options;
  options.mailboxes = *Mailboxes::Parse("example.org");
  return options;
}

struct Relay {
  explicit Relay(std::string reply)
      : server(
            ForExampleOrg(),
            [this, reply](const Envelope& envelope, std::string raw) {
              std::lock_guard lock(mu);
              received_from = envelope.mail_from;
              received = std::move(raw);
              return reply;
            },
            4) {
    EXPECT_TRUE(server.Start("127.0.0.1", 0).ok());
    options.port = server.port();
  }
  std::mutex mu;
  std::string received_from, received;
  SmtpServer server;
  RelayOptions options;
};

TEST(SmtpClientTest, DotsSurviveTheRoundTrip) {
  Relay relay("250 2.0.0 queued");
  const std::string raw = "Subject: dots\n\n.leading dot\n..two\n.\nend\n";
  ASSERT_TRUE(SendThroughRelay(relay.options, "support@example.com", "c@example.org", raw).ok());
  std::lock_guard lock(relay.mu);
  EXPECT_EQ(relay.received_from, "support@example.com");
  EXPECT_EQ(relay.received, "Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n");
}

TEST(SmtpClientTest, RelayRefusalsMapToStatusCodes) {
  Relay refusing("554 5.7.1 message refused as spam");
  auto refused = SendThroughRelay(refusing.options, "a@example.com", "b@example.org", "x\n");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_NE(refused.message().find("554 5.7.1 message refused as spam"), std::string::npos);

  Relay busy("451 4.3.0 try later");
  auto later = SendThroughRelay(busy.options, "a@example.com", "b@example.org", "x\n");
  EXPECT_EQ(later.code(), absl::StatusCode::kUnavailable) << later;

  RelayOptions nobody;
  nobody.port = testing::FreePort();
  auto down = SendThroughRelay(nobody, "a@example.com", "b@example.org", "x\n");
  EXPECT_EQ(down.code(), absl::StatusCode::kUnavailable) << down;
}

struct TlsRelayTest : ::testing::Test {
  TlsRelayTest() : certs(testing::MakeTestCerts(cert_dir.path())) {}
  // What the connector's settings make for this relay: trusting the test CA.
  RelayOptions Options(const TlsRelay& relay, RelaySecurity security) {
    RelayOptions options;
    options.port = relay.port();
    options.security = security;
    auto context = ClientTlsContext(testing::ReadFile(certs.ca_cert));
    EXPECT_TRUE(context.ok()) << context.status();
    if (context.ok()) options.tls = *context;
    options.username = "relay@example.com";
    options.password = "correct horse";
    options.timeout = std::chrono::seconds(10);
    return options;
  }

  testing::TempDir cert_dir;
  testing::TestCerts certs;
};

constexpr char kMail[] = "From: support@example.com\nTo: c@example.org\nSubject: hi\n\nHello\n";

TEST_F(TlsRelayTest, StartTlsThenAuthPlainDelivers) {
  TlsRelay relay("starttls", certs.server_cert, certs.server_key, "PLAIN");
  auto sent = SendThroughRelay(Options(relay, RelaySecurity::kStartTls), "support@example.com",
                               "c@example.org", kMail);
  ASSERT_TRUE(sent.ok()) << sent << "\n" << relay.log();
  const auto mails = relay.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0], "X-Envelope-From: support@example.com\r\n")) << mails[0];
  EXPECT_NE(mails[0].find("From: support@example.com"), std::string::npos) << mails[0];
}

TEST_F(TlsRelayTest, ImplicitTlsThenAuthLoginDelivers) {
  TlsRelay relay("tls", certs.server_cert, certs.server_key, "LOGIN");
  auto sent = SendThroughRelay(Options(relay, RelaySecurity::kTls), "support@example.com",
                               "c@example.org", kMail);
  ASSERT_TRUE(sent.ok()) << sent << "\n" << relay.log();
  const auto mails = relay.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0], "X-Envelope-From: support@example.com\r\n")) << mails[0];
}

TEST_F(TlsRelayTest, WrongPasswordFailsForGoodWithTheRelaysWords) {
  TlsRelay relay("starttls", certs.server_cert, certs.server_key);
  RelayOptions options = Options(relay, RelaySecurity::kStartTls);
  options.password = "wrong";
  auto sent = SendThroughRelay(options, "support@example.com", "c@example.org", kMail);
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_NE(sent.message().find("after AUTH PLAIN: 535"), std::string::npos) << sent;
  EXPECT_EQ(sent.message().find("wrong"), std::string::npos) << "the password leaked: " << sent;
  EXPECT_TRUE(relay.Mails().empty());
}

TEST_F(TlsRelayTest, AnUntrustedOrMisnamedCertificateFailsForGood) {
  TlsRelay relay("starttls", certs.server_cert, certs.server_key);
  RelayOptions system_cas = Options(relay, RelaySecurity::kStartTls);
  auto context = ClientTlsContext("");  // the system's CAs, which never signed the test CA
  ASSERT_TRUE(context.ok()) << context.status();
  system_cas.tls = *context;
  auto untrusted = SendThroughRelay(system_cas, "support@example.com", "c@example.org", kMail);
  EXPECT_EQ(untrusted.code(), absl::StatusCode::kFailedPrecondition) << untrusted;
  EXPECT_NE(untrusted.message().find("certificate of 127.0.0.1 refused"), std::string::npos)
      << untrusted;

  // Signed by the trusted CA, but for another name than the relay's.
  testing::internal::MakeSigned(cert_dir.path(), "ca", "elsewhere",
                                "subjectAltName=DNS:relay.example.net");
  TlsRelay misnamed("tls", cert_dir.path() / "elsewhere.crt", cert_dir.path() / "elsewhere.key");
  auto wrong_name = SendThroughRelay(Options(misnamed, RelaySecurity::kTls), "support@example.com",
                                     "c@example.org", kMail);
  EXPECT_EQ(wrong_name.code(), absl::StatusCode::kFailedPrecondition) << wrong_name;
  EXPECT_NE(wrong_name.message().find("certificate of 127.0.0.1 refused"), std::string::npos)
      << wrong_name;
  EXPECT_TRUE(relay.Mails().empty());
  EXPECT_TRUE(misnamed.Mails().empty());
}

// Our own server offers no STARTTLS: starttls refuses to go on in the clear, and a password is
// never sent over a plaintext connection unless the security is kInsecure.
TEST(SmtpClientTest, NoPlaintextFallbackAndNoPlaintextPassword) {
  Relay plain("250 2.0.0 queued");
  RelayOptions starttls = plain.options;
  auto context = ClientTlsContext("");
  ASSERT_TRUE(context.ok());
  starttls.security = RelaySecurity::kStartTls;
  starttls.tls = *context;
  auto refused = SendThroughRelay(starttls, "a@example.com", "b@example.org", "x\n");
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_NE(refused.message().find("offers no STARTTLS: not sending in the clear"),
            std::string::npos)
      << refused;

  RelayOptions with_password = plain.options;
  with_password.username = "relay@example.com";
  with_password.password = "secret";
  auto not_sent = SendThroughRelay(with_password, "a@example.com", "b@example.org", "x\n");
  EXPECT_EQ(not_sent.code(), absl::StatusCode::kFailedPrecondition) << not_sent;
  EXPECT_NE(not_sent.message().find("refusing to send the password over a plaintext connection"),
            std::string::npos)
      << not_sent;
  std::lock_guard lock(plain.mu);
  EXPECT_TRUE(plain.received.empty());
}

}  // namespace
}  // namespace omni::connectors::email
