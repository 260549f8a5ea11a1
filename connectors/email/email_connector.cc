#include "connectors/email/email_connector.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "connectors/email/email_parser.h"
#include "connectors/email/reply_mail.h"
#include "connectors/sdk/publish_all.h"

namespace omni::connectors::email {

absl::StatusOr<omnibroker::v1::Event> NormalizeMail(const MailRoutes& routes,
                                                    const std::vector<std::string>& envelope_recipients,
                                                    std::string_view raw, TimePoint now) {
  auto event = ParseMail(raw, now);
  if (!event.ok()) return event.status();
  if (!envelope_recipients.empty()) {
    ApplyRoute(routes, envelope_recipients, *event);
  } else if (auto to = event->provider_metadata().find("to");
             to != event->provider_metadata().end()) {
    ApplyRoute(routes, absl::StrSplit(to->second, ','), *event);
  }
  return event;
}

EmailConnector::EmailConnector(EmailOptions options)
    : options_(std::move(options)),
      threads_(options_.thread_dir),
      server_(
          options_.session,
          [this](const Envelope& envelope, std::string raw) {
            return OnMail(envelope, std::move(raw));
          },
          options_.max_connections) {}

std::vector<std::string> EmailConnector::Providers() const { return {std::string(kProvider)}; }

absl::Status EmailConnector::Start(ConnectorContext& context) {
  context_ = &context;
  return server_.Start(options_.host, options_.port);
}

void EmailConnector::Stop() { server_.Stop(); }

std::string EmailConnector::OnMail(const Envelope& envelope, std::string raw) {
  auto event = NormalizeMail(options_.routes, envelope.recipients, raw, context_->clock().Now());
  if (!event.ok()) return absl::StrCat("554 5.6.0 ", event.status().message());
  const bool is_message = event->kind() == omnibroker::v1::EVENT_KIND_MESSAGE;
  const std::string id = event->id();
  if (is_message && options_.relay) {
    const auto& metadata = event->provider_metadata();
    auto field = [&](const std::string& key) {
      auto it = metadata.find(key);
      return it == metadata.end() ? std::string() : it->second;
    };
    MailThread thread{envelope.recipients.front(), field("message_id"), field("references"),
                      event->content().subject()};
    if (auto s = threads_.Save(event->thread_key(), thread); !s.ok()) {
      return absl::StrCat("451 4.3.0 not stored yet, try again later: ", s.message());
    }
  }
  PublishOutcome outcome = PublishAll(*context_, {*std::move(event)}, options_.ack_wait);
  switch (outcome.kind) {
    case PublishOutcome::Kind::kAcked:
      return absl::StrCat("250 2.0.0 stored as ", id);
    case PublishOutcome::Kind::kRejected:
      // Never bounce a bounce: an auto-reply or DSN the broker will not keep is still taken.
      if (!is_message) return absl::StrCat("250 2.0.0 not kept: ", outcome.message);
      return absl::StrCat("554 5.7.0 refused: ", outcome.message);
    case PublishOutcome::Kind::kTimeout:
    case PublishOutcome::Kind::kNotQueued:
      return absl::StrCat("451 4.3.0 not stored yet, try again later: ", outcome.message);
  }
  return "451 4.3.0 not stored yet, try again later";
}

absl::Status EmailConnector::Deliver(const omnibroker::v1::Event& event) {
  if (!options_.relay) {
    return absl::FailedPreconditionError(
        absl::StrCat("email delivery of '", event.id(), "': no relay is configured"));
  }
  {
    std::lock_guard lock(mu_);
    if (delivered_.contains(event.id())) return absl::OkStatus();
  }
  auto thread = threads_.Load(event.thread_key());
  if (!thread.ok()) return absl::FailedPreconditionError(thread.status().message());
  auto reply = BuildReply(event, *thread, options_.session.hostname);
  if (!reply.ok()) return reply.status();
  if (!options_.session.mailboxes.Contains(reply->from)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "email delivery of '", event.id(), "': the reply would be sent from '", reply->from,
        "', which is not one of this connector's mailboxes (settings mailboxes, route.<mailbox>)"));
  }
  if (auto s = SendThroughRelay(*options_.relay, reply->from, reply->to, reply->raw); !s.ok()) {
    return s;
  }
  std::lock_guard lock(mu_);
  delivered_.insert(event.id());
  return absl::OkStatus();
}

}  // namespace omni::connectors::email
