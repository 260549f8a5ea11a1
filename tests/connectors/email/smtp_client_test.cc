// The relay client against the connector's own SMTP server on 127.0.0.1: a mail with leading
// dots arrives byte for byte (client dot-stuffing, server unstuffing), the relay's 5xx is
// FAILED_PRECONDITION with its words, 4xx and a refused connection are UNAVAILABLE (retried).
#include "connectors/email/smtp_client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "connectors/email/smtp_server.h"
#include "tests/support/broker_process.h"

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
      : server(ForExampleOrg(), [this, reply](const Envelope& envelope, std::string raw) {
          std::lock_guard lock(mu);
          received_from = envelope.mail_from;
          received = std::move(raw);
          return reply;
        }, 4) {
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

}  // namespace
}  // namespace omni::connectors::email
