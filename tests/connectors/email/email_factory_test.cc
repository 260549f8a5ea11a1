// The email connector's settings for TLS and the relay: each mistake refused at start with the
// setting named, and a connector configured as an operator would (password and CA from files,
// the relay by name, security left to its default) answering a thread through a real relay that
// requires STARTTLS and AUTH, From the mailbox the customer wrote to.
#include "connectors/email/email_factory.h"

#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "connectors/email/thread_store.h"
#include "connectors/sdk/connector_list.h"
#include "tests/connectors/email/tls_relay.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_support.h"

namespace omni::connectors::email {
namespace {

ConnectorConfig Config(std::map<std::string, std::string> settings) {
  settings.try_emplace("listen", "127.0.0.1:0");
  settings.try_emplace("mailboxes", "example.com");
  settings.try_emplace("thread_dir", "/nonexistent/threads");
  return ConnectorConfig{.type = "email", .name = "mail", .settings = std::move(settings)};
}

TEST(EmailFactoryTest, TlsAndRelayMistakesAreNamed) {
  const std::map<std::string, std::string> relay_login = {
      {"relay", "127.0.0.1:587"}, {"relay_username", "u"}, {"relay_password", "p"}};
  auto with = [](std::map<std::string, std::string> base, std::map<std::string, std::string> more) {
    base.insert(more.begin(), more.end());
    return base;
  };
  struct Case {
    std::map<std::string, std::string> settings;
    std::string says;
  } cases[] = {
      {{{"tls_cert", "x"}}, "set tls_cert_file and tls_key_file together"},
      {{{"require_tls", "true"}}, "require_tls needs tls_cert_file and tls_key_file"},
      {{{"require_tls", "yes"}}, "setting 'require_tls': 'yes' is not true or false"},
      {{{"tls_cert", "junk"}, {"tls_key", "junk"}},
       "settings tls_cert_file, tls_key_file: the certificate is not PEM"},
      {{{"idle_timeout_ms", "0"}}, "setting 'idle_timeout_ms': must be above 0"},
      {{{"relay", "127.0.0.1:587"}, {"relay_username", "u"}},
       "set relay_username and relay_password_file together"},
      {with(relay_login, {{"relay_security", "none"}}),
       "'relay_security': none would send relay_password in the clear"},
      {with(relay_login, {{"relay_security", "ssl"}}),
       "'relay_security': 'ssl' is not starttls, tls, none or insecure"},
      {{{"relay", "127.0.0.1:25"}, {"relay_ca", "junk"}},
       "relay_ca_file is for relay_security starttls or tls"},
      {with(relay_login, {{"relay_ca", "junk"}}),
       "setting 'relay_ca_file': holds no PEM certificate"},
  };
  for (const Case& c : cases) {
    auto created = MakeEmailFactory()->Create(Config(c.settings));
    ASSERT_FALSE(created.ok()) << c.says;
    EXPECT_NE(created.status().message().find(c.says), std::string::npos) << created.status();
  }
  EXPECT_TRUE(
      MakeEmailFactory()->Create(Config(with(relay_login, {{"relay_security", "insecure"}}))).ok());
}

TEST(EmailFactoryTest, RepliesGoThroughARelayThatRequiresStartTlsAndAuth) {
  testing::TempDir dir;
  const testing::TestCerts certs = testing::MakeTestCerts(dir.path());
  TlsRelay relay("starttls", certs.server_cert, certs.server_key);
  std::ofstream(dir.path() / "relay-password") << "correct horse\n";
  ConnectorConfig config =
      Config({{"relay", absl::StrCat("localhost:", relay.port())},
              {"relay_username", "relay@example.com"},
              {"relay_password_file", (dir.path() / "relay-password").string()},
              {"relay_ca_file", certs.ca_cert.string()},
              {"thread_dir", (dir.path() / "threads").string()}});
  ASSERT_TRUE(ResolveSecretFiles(config).ok());
  auto created = MakeEmailFactory()->Create(config);
  ASSERT_TRUE(created.ok()) << created.status();

  ASSERT_TRUE(ThreadStore(dir.path() / "threads")
                  .Save("t1", {.mailbox = "support@example.com",
                               .message_id = "q1@example.org",
                               .subject = "Order 42"})
                  .ok());
  omnibroker::v1::Event reply;
  reply.set_id("r1");
  reply.set_thread_key("t1");
  reply.mutable_recipient()->set_email("customer@example.org");
  reply.mutable_content()->set_text("On its way.");
  const absl::Status delivered = (*created)->Deliver(reply);
  ASSERT_TRUE(delivered.ok()) << delivered << "\n" << relay.log();
  const auto mails = relay.Mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(mails[0], "X-Envelope-From: support@example.com\r\n")) << mails[0];
  EXPECT_NE(mails[0].find("\nFrom: support@example.com"), std::string::npos) << mails[0];
  EXPECT_NE(mails[0].find("\nIn-Reply-To: <q1@example.org>"), std::string::npos) << mails[0];
}

}  // namespace
}  // namespace omni::connectors::email
