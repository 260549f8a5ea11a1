// The email connector's I/O part: an SMTP or LMTP listener (SmtpServer) whose DATA is parsed
// (ParseMail), given the routing hints of the mailbox it was sent to, published, and answered
// 250 only once the broker acked it; 451 when the ack does not come in time or the outbox is
// full, so the sending server retries. With a relay, each stored mail first records its thread
// (ThreadStore) and Deliver answers through the relay (reply_mail.h, smtp_client.h).
//
// Threads: the listener's accept and connection threads (Start..Stop); Deliver runs on the
// host's delivery thread.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "connectors/email/mail_routes.h"
#include "connectors/email/smtp_client.h"
#include "connectors/email/smtp_server.h"
#include "connectors/email/thread_store.h"
#include "connectors/sdk/connector.h"

namespace omni::connectors::email {

struct EmailOptions {
  std::string host = "127.0.0.1";
  int port = 2525;
  SessionOptions session;
  size_t max_connections = 32;
  std::chrono::milliseconds ack_wait{10000};
  MailRoutes routes;
  std::optional<RelayOptions> relay;  // none: replies cannot be sent
  std::filesystem::path thread_dir;   // required with a relay
};

class EmailConnector : public Connector {
 public:
  explicit EmailConnector(EmailOptions options);

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // Sends the reply through the relay, answering the thread's last inbound mail, from the mailbox
  // it was written to: one that is no longer configured fails FAILED_PRECONDITION. A Message-ID
  // derived from event.id makes a resend the same mail; ids already sent are remembered in memory.
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return server_.port(); }

 private:
  std::string OnMail(const Envelope& envelope, std::string raw);

  const EmailOptions options_;
  ConnectorContext* context_ = nullptr;
  const ThreadStore threads_;
  SmtpServer server_;
  std::mutex mu_;
  std::unordered_set<std::string> delivered_;
};

// The inbound path shared by the running connector and Normalize: parse, then route by the
// first envelope recipient (RCPT TO) that has a route, or without an envelope by the To mailboxes.
absl::StatusOr<omnibroker::v1::Event> NormalizeMail(const MailRoutes& routes,
                                                    const std::vector<std::string>& envelope_recipients,
                                                    std::string_view raw, TimePoint now);

}  // namespace omni::connectors::email
