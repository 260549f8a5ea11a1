// The email connector's I/O part: an SMTP or LMTP listener (SmtpServer) whose DATA is parsed
// (ParseMail), given the routing hints of the mailbox it was sent to, published, and answered
// 250 only once the broker acked it; 451 when the ack does not come in time or the outbox is
// full, so the sending server retries.
//
// Threads: the listener's accept and connection threads (Start..Stop).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "connectors/email/mail_routes.h"
#include "connectors/email/smtp_server.h"
#include "connectors/sdk/connector.h"

namespace omni::connectors::email {

struct EmailOptions {
  std::string host = "127.0.0.1";
  int port = 2525;
  SessionOptions session;
  size_t max_connections = 32;
  std::chrono::milliseconds ack_wait{10000};
  MailRoutes routes;
};

class EmailConnector : public Connector {
 public:
  explicit EmailConnector(EmailOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // The outbound relay is not built yet: every reply fails FAILED_PRECONDITION.
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return server_.port(); }

 private:
  std::string OnMail(const Envelope& envelope, std::string raw);

  const EmailOptions options_;
  ConnectorContext* context_ = nullptr;
  SmtpServer server_;
};

// The inbound path shared by the running connector and Normalize: parse, then route by the
// first envelope recipient (RCPT TO) that has a route, or without an envelope by the To mailboxes.
absl::StatusOr<omnibroker::v1::Event> NormalizeMail(const MailRoutes& routes,
                                                    const std::vector<std::string>& envelope_recipients,
                                                    std::string_view raw, TimePoint now);

}  // namespace omni::connectors::email
