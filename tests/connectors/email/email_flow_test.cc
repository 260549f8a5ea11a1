// Email end to end with the real broker (RocksDB, ZeroMQ, gRPC) hosting the connector and the
// real `swaks` client (Debian package, installed by deploy/setup-debian.sh) speaking SMTP and
// LMTP to it: the mail is answered 250 once stored and reaches an agent as an offer with its
// subject, text and attachment reference. The agent's reply goes out through the connector to a
// real SMTP sink (Debian python3-aiosmtpd, run by /usr/bin/python3) and the customer's answer to
// it threads into the same conversation. A broker that does not ack in time and a full outbox are
// answered 451, and the mail lands anyway (the outbox resends, the sender retries). A missing
// swaks or aiosmtpd fails the test.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "broker/app/broker_app.h"
#include "connectors/email/email_connector.h"
#include "connectors/email/email_factory.h"
#include "connectors/email/thread_store.h"
#include "connectors/sdk/reliable_client.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omni::testing::TempDir;
using omni::testing::WaitFor;

constexpr char kSwaks[] = "/usr/bin/swaks";

struct CommandResult {
  int status = -1;
  std::string output;
};

// Runs swaks with `args` (already shell-quoted), stdout and stderr together.
CommandResult Swaks(const std::vector<std::string>& args) {
  CommandResult result;
  const std::string command = absl::StrCat(kSwaks, " ", absl::StrJoin(args, " "), " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) result.output.append(buffer, n);
  result.status = pclose(pipe);
  return result;
}

// A broker with one email connector; `settings` beyond listen come from the test, mailboxes
// example.com unless it says otherwise.
struct EmailBroker {
  explicit EmailBroker(std::map<std::string, std::string> settings) {
    config.data_dir = dir.path();
    config.grpc_listen = "127.0.0.1:0";
    config.admin_listen = "127.0.0.1:0";
    config.ingest_listen = "";
    config.connectors.clear();
    settings["listen"] = "127.0.0.1:0";
    settings.try_emplace("mailboxes", "example.com");
    config.connectors.push_back(connectors::ConnectorConfig{
        .type = "email", .name = "email", .settings = std::move(settings)});
  }
  int Start() {
    broker = std::make_unique<app::BrokerApp>(config);
    EXPECT_OK(broker->Start());
    auto* email = dynamic_cast<connectors::email::EmailConnector*>(broker->connector("email"));
    EXPECT_NE(email, nullptr);
    return email ? email->port() : 0;
  }
  std::optional<omnibroker::v1::Offer> NextOffer(agent::AgentClient& agent,
                                                 std::chrono::milliseconds wait = 10s) {
    std::optional<omnibroker::v1::Offer> offer;
    WaitFor(
        [&] {
          auto u = agent.Next(50ms);
          if (u && u->has_offer()) offer = u->offer();
          return offer.has_value();
        },
        wait);
    return offer;
  }

  TempDir dir;
  app::BrokerConfig config = app::DefaultConfig();
  std::unique_ptr<app::BrokerApp> broker;
};

// What a hosted connector sees, over a real ReliableClient whose outbox holds `max_memory_bytes`
// and has no spool, so a full outbox refuses the next event (ConnectorHost keeps the default).
class SmallOutboxContext : public connectors::ConnectorContext {
 public:
  SmallOutboxContext(const std::string& broker_endpoint, size_t max_memory_bytes)
      : client_(zmq_,
                connectors::ReliableClientOptions{.broker_endpoint = broker_endpoint,
                                                  .connector_name = "email",
                                                  .providers = {"smtp"},
                                                  .ack_timeout = 200ms,
                                                  .max_memory_bytes = max_memory_bytes},
                [](omnibroker::v1::Delivery) {}) {
    EXPECT_OK(client_.Start());
  }
  ~SmallOutboxContext() override { client_.Stop(); }
  absl::Status Publish(omnibroker::v1::Event event, connectors::AckCallback done) override {
    event.set_tenant("default");
    return client_.Publish(std::move(event), std::move(done));
  }
  const Clock& clock() const override { return clock_; }
  std::string_view tenant() const override { return "default"; }
  size_t pending() const { return client_.pending(); }

 private:
  zmq::context_t zmq_;
  SystemClock clock_;
  connectors::ReliableClient client_;
};

// The broker is not up yet: the first mail waits past ack_wait_ms (451) and stays in the outbox,
// the second does not fit beside it (451, outbox full). Once the broker is up the first is
// stored without any retry; the sending server's retries of both are answered 250 and every
// mail is in the history once.
TEST(EmailFlowTest, Answered451TheMailIsNotLostAndTheRetryLands) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  TempDir dir;
  const std::string ingest = absl::StrCat("tcp://127.0.0.1:", testing::FreePort());
  // One mail's event (its 900-byte text and the headers) fits in the outbox, two do not.
  SmallOutboxContext context(ingest, 2000);
  auto created = connectors::email::MakeEmailFactory()->Create(
      connectors::ConnectorConfig{.type = "email",
                                  .name = "email",
                                  .settings = {{"listen", "127.0.0.1:0"},
                                               {"mailboxes", "support@example.com"},
                                               {"ack_wait_ms", "300"}}});
  ASSERT_TRUE(created.ok()) << created.status();
  auto* email = dynamic_cast<connectors::email::EmailConnector*>(created->get());
  ASSERT_TRUE(email->Start(context).ok());
  auto send = [&](const std::string& message_id) {
    return Swaks({"--server", absl::StrCat("127.0.0.1:", email->port()), "--from",
                  "late@example.org", "--to", "support@example.com", "--header",
                  absl::StrCat("'Message-Id: <", message_id, ">'"), "--body",
                  std::string(900, 'a')});
  };

  const CommandResult timed_out = send("m1@example.org");
  EXPECT_NE(timed_out.status, 0) << timed_out.output;
  EXPECT_NE(timed_out.output.find(
                "451 4.3.0 not stored yet, try again later: broker acknowledged 0 of 1"),
            std::string::npos)
      << timed_out.output;
  const CommandResult full = send("m2@example.org");
  EXPECT_NE(full.status, 0) << full.output;
  EXPECT_NE(full.output.find(
                "451 4.3.0 not stored yet, try again later: event email:m2@example.org could not "
                "be queued: outbox of connector 'email' is full"),
            std::string::npos)
      << full.output;
  EXPECT_EQ(context.pending(), 1u);

  app::BrokerApp broker(testing::TestConfig(dir.path() / "broker", ingest));
  ASSERT_OK(broker.Start());
  ASSERT_TRUE(WaitFor([&] { return context.pending() == 0; }))
      << "the outbox resends the first mail";
  for (const std::string id : {"m1@example.org", "m2@example.org"}) {
    const CommandResult retried = send(id);
    EXPECT_EQ(retried.status, 0) << retried.output;
    EXPECT_NE(retried.output.find("250 2.0.0 stored as email:" + id), std::string::npos)
        << retried.output;
  }

  testing::AdminClient admin(broker.grpc_address());
  grpc::ClientContext call;
  omnibroker::v1::ListConversationsResponse open;
  ASSERT_TRUE(
      admin->ListConversations(&call, omnibroker::v1::ListConversationsRequest(), &open).ok());
  std::string customer_id;
  for (const auto& c : open.conversations()) {
    if (c.provider() == "smtp") customer_id = c.customer_id();
  }
  ASSERT_FALSE(customer_id.empty());
  std::map<std::string, int> stored;
  const auto history = admin.CustomerHistory(customer_id);
  for (const auto& e : history.events()) ++stored[e.id()];
  EXPECT_EQ(stored,
            (std::map<std::string, int>{{"email:m1@example.org", 1}, {"email:m2@example.org", 1}}));
  email->Stop();
}

TEST(EmailFlowTest, SwaksSmtpWithAttachmentReachesAnAgent) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  EmailBroker mail(std::map<std::string, std::string>{{"route.support@example.com", "skills=support:5;priority=1"}});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::filesystem::path attachment = mail.dir.path() / "invoice.txt";
  std::ofstream(attachment) << "invoice 42: 19.99 EUR\n";

  const CommandResult sent = Swaks(
      {"--server", absl::StrCat("127.0.0.1:", port), "--from", "Customer@Example.org", "--to",
       "support@example.com", "--header", "'Subject: Where is order 42?'", "--header",
       "'Message-Id: <order42@example.org>'", "--body", "'It has not arrived yet.'", "--attach",
       absl::StrCat("@", attachment.string())});
  ASSERT_EQ(sent.status, 0) << sent.output;
  EXPECT_NE(sent.output.find("250 2.0.0 stored as email:order42@example.org"), std::string::npos)
      << sent.output;

  auto agent = agent::AgentClient::Connect(mail.broker->grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = mail.NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  const auto& event = offer->last_event();
  EXPECT_EQ(event.id(), "email:order42@example.org");
  EXPECT_EQ(event.sender().email(), "customer@example.org");
  EXPECT_EQ(event.content().subject(), "Where is order 42?");
  EXPECT_NE(event.content().text().find("It has not arrived yet."), std::string::npos);
  ASSERT_EQ(event.content().attachments_size(), 1);
  EXPECT_EQ(event.content().attachments(0).filename(), "invoice.txt");
  EXPECT_EQ(event.content().attachments(0).size_bytes(), 22);
  ASSERT_EQ(event.routing().skills_size(), 1);
  EXPECT_EQ(event.routing().skills(0).skill(), "support");
  EXPECT_EQ(event.routing().priority(), 1);

  // The sending server retries the same mail: answered 250 again, stored once.
  const CommandResult retried = Swaks(
      {"--server", absl::StrCat("127.0.0.1:", port), "--from", "customer@example.org", "--to",
       "support@example.com", "--header", "'Message-Id: <order42@example.org>'"});
  EXPECT_EQ(retried.status, 0) << retried.output;
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->events_size(), 1);
  mail.broker->Stop();
}

TEST(EmailFlowTest, SwaksLmtpCorpusMailAnswersEachRecipient) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  EmailBroker mail(std::map<std::string, std::string>{{"protocol", "lmtp"}});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::filesystem::path eml =
      testing::CorpusDir() / "email" / "mikel_mail" / "raw_email_reply.eml";
  const CommandResult sent =
      Swaks({"--server", absl::StrCat("127.0.0.1:", port), "--protocol", "LMTP", "--from",
             "relay@example.net", "--to", "support@example.com,sales@example.com", "--data",
             eml.string()});
  ASSERT_EQ(sent.status, 0) << sent.output;
  size_t stored = 0;
  for (size_t at = sent.output.find("250 2.0.0 stored as email:473FFE27.20003@xxx.org");
       at != std::string::npos; at = sent.output.find("250 2.0.0 stored as", at + 1)) {
    ++stored;
  }
  EXPECT_EQ(stored, 2u) << sent.output;  // one status per recipient

  auto agent = agent::AgentClient::Connect(mail.broker->grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = mail.NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().content().subject(), "Re: Test reply email");
  EXPECT_EQ(offer->last_event().thread_key(), "473FF3B8.9020707@xxx.org");
  // swaks ends --data with a line of its own, so the text may end in one more CRLF.
  EXPECT_TRUE(absl::StartsWith(offer->last_event().content().text(), "Message body\r\n"))
      << offer->last_event().content().text();
  mail.broker->Stop();
}

// Outlook's HTML-only mail over SMTP: the agent's offer carries the rendering of its HTML as the
// text, beside the HTML.
TEST(EmailFlowTest, SwaksHtmlOnlyMailReachesTheAgentAsText) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  EmailBroker mail(std::map<std::string, std::string>{});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::filesystem::path eml =
      testing::CorpusDir() / "email" / "omnibroker" / "outlook_html_only.eml";
  const CommandResult sent =
      Swaks({"--server", absl::StrCat("127.0.0.1:", port), "--from", "renee.obrien@example.net",
             "--to", "support@example.com", "--data", eml.string()});
  ASSERT_EQ(sent.status, 0) << sent.output;

  auto agent = agent::AgentClient::Connect(mail.broker->grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = mail.NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  const auto& content = offer->last_event().content();
  EXPECT_TRUE(absl::StartsWith(content.text(), "Hello,\n\nI was charged twice")) << content.text();
  EXPECT_NE(content.text().find("Date Amount\n02/12/2024 €149.00"), std::string::npos)
      << content.text();
  EXPECT_TRUE(absl::EndsWith(content.text(), "Renée O’Brien")) << content.text();
  EXPECT_NE(content.html().find("class=\"MsoNormal\""), std::string::npos);
  mail.broker->Stop();
}

TEST(EmailFlowTest, SmtpSyntaxAndSizeErrors) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  EmailBroker mail(std::map<std::string, std::string>{{"max_message_bytes", "2000"}});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::filesystem::path body = mail.dir.path() / "body.txt";
  {
    std::ofstream out(body);
    for (int i = 0; i < 30; ++i) out << std::string(99, 'x') << "\n";
  }
  const CommandResult too_big =
      Swaks({"--server", absl::StrCat("127.0.0.1:", port), "--from", "a@example.org", "--to",
             "support@example.com", "--body", body.string()});
  EXPECT_NE(too_big.status, 0);
  EXPECT_NE(too_big.output.find("552 5.3.4 message exceeds 2000 bytes"), std::string::npos)
      << too_big.output;
  const CommandResult long_line =
      Swaks({"--server", absl::StrCat("127.0.0.1:", port), "--from", "a@example.org", "--to",
             "support@example.com", "--body", std::string(1500, 'x')});
  EXPECT_NE(long_line.status, 0);
  EXPECT_NE(long_line.output.find("554 5.6.0 a line of the message is over 1000 bytes"),
            std::string::npos)
      << long_line.output;
  const CommandResult bad_rcpt = Swaks({"--server", absl::StrCat("127.0.0.1:", port), "--from",
                                        "a@example.org", "--to", "nobody"});
  EXPECT_NE(bad_rcpt.status, 0);
  EXPECT_NE(bad_rcpt.output.find("501 5.5.4"), std::string::npos) << bad_rcpt.output;
  mail.broker->Stop();
}

// Only the configured mailboxes take mail: a whole address, a whole domain, a route's address;
// any other recipient hears 550 5.1.1 and the mail is not taken.
TEST(EmailFlowTest, OnlyConfiguredMailboxesTakeMail) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  EmailBroker mail(std::map<std::string, std::string>{
      {"mailboxes", "support@example.com, help.example.org"},
      {"route.complaints@example.com", "queue=complaints"}});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::string server = absl::StrCat("127.0.0.1:", port);
  for (const char* to : {"Support@Example.com", "anyone@help.example.org",
                         "complaints@example.com"}) {
    const CommandResult taken =
        Swaks({"--server", server, "--from", "customer@example.org", "--to", to});
    EXPECT_EQ(taken.status, 0) << to << ": " << taken.output;
    EXPECT_NE(taken.output.find("250 2.0.0 stored as"), std::string::npos) << taken.output;
  }
  for (const char* to : {"sales@example.com", "support@example.com.evil.test",
                         "support@sub.help.example.org"}) {
    const CommandResult refused =
        Swaks({"--server", server, "--from", "customer@example.org", "--to", to});
    EXPECT_NE(refused.status, 0) << to << ": " << refused.output;
    EXPECT_NE(refused.output.find(absl::StrCat("550 5.1.1 <", to, ">: no such mailbox here")),
              std::string::npos)
        << refused.output;
  }
  mail.broker->Stop();
}

// A thread whose mailbox is no longer configured (the setting changed since the customer wrote)
// is not answered from it: the delivery fails for good and says why.
TEST(EmailFlowTest, AReplyFromAnUnconfiguredMailboxIsRefused) {
  TempDir dir;
  auto created = connectors::email::MakeEmailFactory()->Create(connectors::ConnectorConfig{
      .type = "email",
      .name = "email",
      .settings = {{"listen", "127.0.0.1:0"},
                   {"mailboxes", "support@example.com"},
                   {"relay", "127.0.0.1:1"},
                   {"thread_dir", dir.path().string()}}});
  ASSERT_TRUE(created.ok()) << created.status();
  const connectors::email::ThreadStore threads(dir.path());
  ASSERT_OK(threads.Save("t1", {.mailbox = "old-support@example.com", .subject = "Order"}));
  omnibroker::v1::Event reply;
  reply.set_id("r1");
  reply.set_thread_key("t1");
  reply.mutable_recipient()->set_email("customer@example.org");
  reply.mutable_content()->set_text("Hello");
  const absl::Status refused = (*created)->Deliver(reply);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition) << refused;
  EXPECT_NE(refused.message().find("sent from 'old-support@example.com', which is not one of "
                                   "this connector's mailboxes"),
            std::string::npos)
      << refused;
}

// STARTTLS on the listener, spoken by swaks --tls: offered in EHLO, a plain session still works
// while TLS is not required, and once it is, MAIL before STARTTLS hears 530.
TEST(EmailFlowTest, SwaksStartTls) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  TempDir cert_dir;
  const testing::TestCerts certs = testing::MakeTestCerts(cert_dir.path());
  for (const std::string require : {"false", "true"}) {
    EmailBroker mail(std::map<std::string, std::string>{
        {"tls_cert_file", certs.server_cert.string()},
        {"tls_key_file", certs.server_key.string()},
        {"require_tls", require}});
    const int port = mail.Start();
    ASSERT_GT(port, 0);
    const std::string server = absl::StrCat("127.0.0.1:", port);
    const CommandResult plain = Swaks({"--server", server, "--from", "customer@example.org",
                                       "--to", "support@example.com", "--header",
                                       absl::StrCat("'Message-Id: <plain-", require, "@x>'")});
    EXPECT_NE(plain.output.find("250-STARTTLS"), std::string::npos) << plain.output;
    if (require == "true") {
      EXPECT_NE(plain.status, 0) << plain.output;
      EXPECT_NE(plain.output.find("530 5.7.0 Must issue a STARTTLS command first"),
                std::string::npos)
          << plain.output;
    } else {
      EXPECT_EQ(plain.status, 0) << plain.output;
    }
    const CommandResult secure =
        Swaks({"--server", server, "--tls", "--from", "customer@example.org", "--to",
               "support@example.com", "--header",
               absl::StrCat("'Message-Id: <tls-", require, "@x>'")});
    EXPECT_EQ(secure.status, 0) << secure.output;
    EXPECT_NE(secure.output.find("TLS started"), std::string::npos) << secure.output;
    EXPECT_NE(secure.output.find(absl::StrCat("250 2.0.0 stored as email:tls-", require, "@x")),
              std::string::npos)
        << secure.output;
    mail.broker->Stop();
  }
}

// The mails the aiosmtpd Mailbox handler delivered into `maildir`, each as its raw text.
std::vector<std::string> DeliveredMails(const std::filesystem::path& maildir) {
  std::vector<std::string> mails;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(maildir / "new", error)) {
    mails.push_back(testing::ReadFile(entry.path()));
  }
  return mails;
}

// The value of header `name` in `mail` (unfolded), or "".
std::string HeaderOf(const std::string& mail, const std::string& name) {
  std::istringstream in(mail);
  std::string line, value;
  bool in_header = false;
  while (std::getline(in, line) && !line.empty() && line != "\r") {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (in_header && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (in_header) break;
    if (absl::StartsWithIgnoreCase(line, name + ":")) {
      in_header = true;
      value = std::string(absl::StripLeadingAsciiWhitespace(line.substr(name.size() + 1)));
    }
  }
  return value;
}

TEST(EmailFlowTest, AgentReplyGoesThroughTheRelayAndTheAnswerThreadsBack) {
  ASSERT_TRUE(std::filesystem::exists(kSwaks)) << "swaks is missing: run deploy/setup-debian.sh";
  TempDir sink_dir;
  const std::filesystem::path maildir = sink_dir.path() / "maildir";
  const int sink_port = testing::FreePort();
  testing::ChildProcess sink(
      "/usr/bin/python3",
      {"-m", "aiosmtpd", "-n", "-l", absl::StrCat("127.0.0.1:", sink_port), "-c",
       "aiosmtpd.handlers.Mailbox", maildir.string()},
      sink_dir.path() / "aiosmtpd.log");
  ASSERT_TRUE(WaitFor([&] {
    const int probe = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(sink_port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool up = connect(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    close(probe);
    return up;
  })) << "aiosmtpd did not start: is python3-aiosmtpd installed?";
  EmailBroker mail(std::map<std::string, std::string>{
      {"relay", absl::StrCat("127.0.0.1:", sink_port)},
      {"hostname", "help.example.com"},
      {"thread_dir", (sink_dir.path() / "threads").string()}});
  const int port = mail.Start();
  ASSERT_GT(port, 0);
  const std::string server = absl::StrCat("127.0.0.1:", port);

  const CommandResult question =
      Swaks({"--server", server, "--from", "customer@example.org", "--to", "support@example.com",
             "--header", "'Subject: Order 42'", "--header", "'Message-Id: <q1@example.org>'",
             "--body", "'Where is it?'"});
  ASSERT_EQ(question.status, 0) << question.output;
  auto agent = agent::AgentClient::Connect(mail.broker->grpc_address(), "alice");
  ASSERT_TRUE(agent.ok()) << agent.status();
  ASSERT_TRUE((*agent)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  auto offer = mail.NextOffer(**agent);
  ASSERT_TRUE(offer.has_value());
  auto conversation = (*agent)->Accept(offer->offer_id());
  ASSERT_TRUE(conversation.ok()) << conversation.status();
  ASSERT_TRUE((*agent)->SendText(*conversation, "Здравствуйте! Ваш заказ в пути.", "r1").ok());

  ASSERT_TRUE(WaitFor([&] { return !DeliveredMails(maildir).empty(); }, 20s))
      << testing::ReadFile(sink_dir.path() / "aiosmtpd.log");
  const std::string answer = DeliveredMails(maildir).front();
  EXPECT_EQ(HeaderOf(answer, "From"), "support@example.com");
  EXPECT_EQ(HeaderOf(answer, "To"), "customer@example.org");
  EXPECT_EQ(HeaderOf(answer, "Subject"), "Re: Order 42");
  EXPECT_EQ(HeaderOf(answer, "In-Reply-To"), "<q1@example.org>");
  EXPECT_EQ(HeaderOf(answer, "References"), "<q1@example.org>");
  EXPECT_NE(HeaderOf(answer, "Content-Type").find("charset=utf-8"), std::string::npos) << answer;
  EXPECT_EQ(HeaderOf(answer, "Content-Transfer-Encoding"), "quoted-printable");
  const std::string our_id = HeaderOf(answer, "Message-Id");
  EXPECT_TRUE(absl::EndsWith(our_id, "@help.example.com>")) << our_id;

  // A second Deliver of the same event (a broker resend) sends nothing new.
  auto history = (*agent)->History(*conversation);
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->events_size(), 2);
  auto* email = dynamic_cast<connectors::email::EmailConnector*>(mail.broker->connector("email"));
  ASSERT_NE(email, nullptr);
  EXPECT_TRUE(email->Deliver(history->events(1)).ok());
  EXPECT_EQ(DeliveredMails(maildir).size(), 1u);

  // The customer answers our mail: it lands in the same conversation.
  const CommandResult reply = Swaks(
      {"--server", server, "--from", "customer@example.org", "--to", "support@example.com",
       "--header", "'Subject: Re: Order 42'", "--header", "'Message-Id: <q2@example.org>'",
       "--header", absl::StrCat("'In-Reply-To: ", our_id, "'"), "--header",
       absl::StrCat("'References: <q1@example.org> ", our_id, "'"), "--body", "'Thanks!'"});
  ASSERT_EQ(reply.status, 0) << reply.output;
  ASSERT_TRUE(WaitFor([&] {
    auto h = (*agent)->History(*conversation);
    return h.ok() && h->events_size() == 3;
  }));

  // Our reply bounces: the DSN returns it, and is stored in the customer's conversation.
  const std::filesystem::path bounce = sink_dir.path() / "bounce.eml";
  std::ofstream(bounce) << absl::StrCat(
      "From: MAILER-DAEMON@relay.example.com\r\nTo: support@example.com\r\n"
      "Message-ID: <bounce1@relay.example.com>\r\nSubject: Undelivered Mail\r\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
      "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay\r\n\r\n"
      "Final-Recipient: rfc822; customer@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
      "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.com\r\n"
      "Message-ID: ", our_id, "\r\nIn-Reply-To: <q1@example.org>\r\n"
      "References: <q1@example.org>\r\n--b1--\r\n");
  const CommandResult bounced = Swaks({"--server", server, "--from", "''", "--to",
                                       "support@example.com", "--data", bounce.string()});
  ASSERT_EQ(bounced.status, 0) << bounced.output;
  EXPECT_NE(bounced.output.find("250 2.0.0 stored as email:bounce1@relay.example.com"),
            std::string::npos)
      << bounced.output;
  ASSERT_TRUE(WaitFor([&] {
    auto h = (*agent)->History(*conversation);
    return h.ok() && h->events_size() == 4 &&
           h->events(3).kind() == omnibroker::v1::EVENT_KIND_DELIVERY_STATUS;
  }));

  // An auto-reply to nothing we know opens no conversation, and is still answered 250.
  const CommandResult auto_reply = Swaks(
      {"--server", server, "--from", "away@example.net", "--to", "support@example.com",
       "--header", "'Auto-Submitted: auto-replied'", "--header", "'Message-Id: <away1@example.net>'",
       "--header", "'Subject: Out of office'", "--body", "'Back on Monday.'"});
  EXPECT_EQ(auto_reply.status, 0) << auto_reply.output;
  EXPECT_NE(auto_reply.output.find("250 2.0.0 not kept"), std::string::npos) << auto_reply.output;
  auto boris = agent::AgentClient::Connect(mail.broker->grpc_address(), "boris");
  ASSERT_TRUE(boris.ok()) << boris.status();
  ASSERT_TRUE((*boris)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  EXPECT_FALSE(mail.NextOffer(**boris, 1s).has_value());
  mail.broker->Stop();
}

}  // namespace
}  // namespace omni
