// The SMTP listener over a raw socket: pipelined commands answered in order, a connection over
// the cap hears 421, and Stop tells a waiting session 421 and joins it. Abusive clients: a line
// that never ends is answered (command) or refused (DATA) without being kept, a body over the
// size limit is refused 552, and a client that trickles its bytes, keeps talking forever or
// never reads its replies loses its connection slot. STARTTLS: a malformed or missing handshake
// ends only that session, and plaintext sent behind STARTTLS is not taken as said over TLS.
#include "connectors/email/smtp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <vector>
#include <string>

#include "connectors/email/mail_socket.h"
#include "connectors/email/tls_context.h"
#include "tests/support/test_certs.h"
#include "tests/support/test_support.h"

namespace omni::connectors::email {
namespace {

// A client socket that reads replies line by line.
class RawClient {
 public:
  // `receive_buffer` bytes, when given, instead of the kernel's growing buffer (up to tcp_rmem's
  // maximum, tens of MiB).
  explicit RawClient(int port, int receive_buffer = 0) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  void Write(const std::string& bytes) {
    EXPECT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // Writes without blocking until the server stops taking bytes for a second (or closes).
  void WriteUntilStuck(const std::string& bytes) {
    for (size_t written = 0; written < (size_t{1} << 30);) {
      const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN) return;
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, 1000) <= 0) return;
    }
  }
  // True once the server closed the connection (anything it still sent is dropped), false when
  // it is still open after `wait`.
  bool ClosedWithin(std::chrono::milliseconds wait) {
    const auto give_up = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < give_up) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char chunk[4096];
      if (recv(fd_, chunk, sizeof(chunk), 0) <= 0) return true;
    }
    return false;
  }
  // Hands the connected socket over (to speak TLS on it); this client no longer closes it.
  int Release() { return std::exchange(fd_, -1); }
  // The next reply line, or "" on close / `wait` without one.
  std::string Line(std::chrono::milliseconds wait = std::chrono::seconds(5)) {
    while (true) {
      if (size_t end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return "";
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

using namespace std::chrono_literals;

// This process's resident memory in KiB (VmRSS of /proc/self/status).
size_t ResidentKib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      size_t kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

// Takes mail for example.com.
SessionOptions ForExampleCom() {
  SessionOptions options;
  options.mailboxes = *Mailboxes::Parse("example.com");
  return options;
}

MailHandler Accepting() {
  return [](const Envelope&, std::string) { return std::string("250 2.0.0 stored"); };
}

TEST(SmtpServerTest, PipelinedCommandsAreAnsweredInOrder) {
  SmtpServer server(ForExampleCom(), Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  client.Write("EHLO c.example\r\nMAIL FROM:<a@example.org> SIZE=100 BODY=8BITMIME\r\n"
               "RCPT TO:<support@example.com>\r\nRCPT TO:nobody\r\nDATA\r\n");
  for (const char* expected : {"250-omnibroker", "250-SIZE 10485760", "250-8BITMIME",
                               "250-PIPELINING", "250 ENHANCEDSTATUSCODES", "250 2.1.0 sender ok",
                               "250 2.1.5 recipient ok"}) {
    EXPECT_EQ(client.Line(), expected);
  }
  EXPECT_EQ(client.Line().substr(0, 4), "501 ");
  EXPECT_EQ(client.Line().substr(0, 4), "354 ");
  client.Write("Subject: hi\r\n\r\n..dot\r\n.\r\nNOOP\r\nVRFY x\r\nQUIT\r\n");
  EXPECT_EQ(client.Line(), "250 2.0.0 stored");
  EXPECT_EQ(client.Line(), "250 2.0.0 ok");
  EXPECT_EQ(client.Line().substr(0, 4), "500 ");
  EXPECT_EQ(client.Line(), "221 2.0.0 bye");
  server.Stop();
}

TEST(SmtpServerTest, ConnectionCapAndShutdownAnswer421) {
  SmtpServer server(ForExampleCom(), Accepting(), 1);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient first(server.port());
  EXPECT_EQ(first.Line().substr(0, 4), "220 ");
  RawClient second(server.port());
  EXPECT_EQ(second.Line().substr(0, 4), "421 ");
  server.Stop();
  EXPECT_EQ(first.Line(), "421 4.3.2 shutting down, try again later");
}

// RFC 5321's 512 bytes for a command line, plus the 40 SIZE= and BODY= may add to MAIL.
TEST(SmtpServerTest, ACommandLineOverTheLimitIsAnsweredWithoutWaitingForItsEnd) {
  SmtpServer server(ForExampleCom(), Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  client.Write("NOOP " + std::string(545, 'x') + "\r\n");  // 552 bytes with the CRLF
  EXPECT_EQ(client.Line(), "250 2.0.0 ok");
  client.Write("NOOP " + std::string(546, 'x') + "\r\n");
  EXPECT_EQ(client.Line(), "500 5.5.2 line too long");
  // A line that has not ended is answered once the limit is passed; its rest is dropped.
  client.Write("NOOP " + std::string(100000, 'x'));
  EXPECT_EQ(client.Line(), "500 5.5.2 line too long");
  client.Write(std::string(100000, 'y') + "\r\nNOOP\r\n");
  EXPECT_EQ(client.Line(), "250 2.0.0 ok");
  server.Stop();
}

TEST(SmtpServerTest, ADataLineThatNeverEndsIsNotKept) {
  SmtpServer server(ForExampleCom(), Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  client.Write("HELO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<support@example.com>\r\n"
               "DATA\r\n");
  for (const char* expected : {"250 ", "250 ", "250 ", "354 "}) {
    EXPECT_EQ(client.Line().substr(0, 4), expected);
  }
  const size_t before = ResidentKib();
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 1024; ++i) client.Write(chunk);  // 64 MiB without a line end
  const size_t after = ResidentKib();
  EXPECT_LT(after, before + 16 * 1024) << "the session kept the line: " << before << " KiB before, "
                                        << after << " KiB after";
  client.Write("\r\n.\r\n");
  EXPECT_EQ(client.Line(), "554 5.6.0 a line of the message is over 1000 bytes");
  client.Write("NOOP\r\n");
  EXPECT_EQ(client.Line(), "250 2.0.0 ok");
  server.Stop();
}

TEST(SmtpServerTest, ABodyOverTheSizeLimitIsRefused552) {
  SessionOptions options = ForExampleCom();
  options.max_message_bytes = 2000;
  SmtpServer server(options, Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  client.Write("HELO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<support@example.com>\r\n"
               "DATA\r\n");
  for (const char* expected : {"250 ", "250 ", "250 ", "354 "}) {
    EXPECT_EQ(client.Line().substr(0, 4), expected);
  }
  for (int i = 0; i < 1000; ++i) client.Write(std::string(98, 'x') + "\r\n");
  client.Write(".\r\n");
  EXPECT_EQ(client.Line(), "552 5.3.4 message exceeds 2000 bytes");
  server.Stop();
}

TEST(SmtpServerTest, ACommandTrickledByteByByteTimesOut) {
  SessionOptions options = ForExampleCom();
  options.idle_timeout = 500ms;
  SmtpServer server(options, Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  // A byte every 100 ms and never a line end: the line must still arrive whole within 500 ms.
  std::string reply;
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (reply.empty() && std::chrono::steady_clock::now() < give_up) {
    client.Write("N");
    reply = client.Line(100ms);
  }
  EXPECT_EQ(reply, "421 4.4.2 idle too long, closing");
  server.Stop();
}

TEST(SmtpServerTest, ASessionEndsAtItsTimeLimit) {
  SessionOptions options = ForExampleCom();
  options.session_timeout = 1s;
  SmtpServer server(options, Accepting(), 4);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient client(server.port());
  EXPECT_EQ(client.Line().substr(0, 4), "220 ");
  std::string reply = "250 2.0.0 ok";
  const auto give_up = std::chrono::steady_clock::now() + 5s;
  while (reply == "250 2.0.0 ok" && std::chrono::steady_clock::now() < give_up) {
    client.Write("NOOP\r\n");
    reply = client.Line();
  }
  EXPECT_EQ(reply, "421 4.4.2 session time limit reached, closing");
  server.Stop();
}

TEST(SmtpServerTest, AClientThatNeverReadsItsRepliesLosesItsSlot) {
  SessionOptions options = ForExampleCom();
  options.idle_timeout = 300ms;
  SmtpServer server(options, Accepting(), 1);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  std::optional<RawClient> reader_never(std::in_place, server.port(), 4096);
  // EHLO's five reply lines fill the server's send buffer fastest.
  std::string hellos;
  for (int i = 0; i < 10000; ++i) hellos += "EHLO c\r\n";
  reader_never->WriteUntilStuck(hellos);
  // The only slot is free again once the server gave up writing to it.
  std::string greeting;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (greeting.substr(0, 4) != "220 " && std::chrono::steady_clock::now() < give_up) {
    RawClient next(server.port());
    greeting = next.Line();
  }
  EXPECT_EQ(greeting.substr(0, 4), "220 ");
  reader_never.reset();
  server.Stop();
}

// Takes mail for example.com and offers STARTTLS with a certificate made for the test.
struct TlsServer {
  explicit TlsServer(std::chrono::milliseconds idle_timeout = std::chrono::minutes(5))
      : certs(testing::MakeTestCerts(dir.path())) {
    SessionOptions options = ForExampleCom();
    options.idle_timeout = idle_timeout;
    auto context = ServerTlsContext(testing::ReadFile(certs.server_cert),
                                    testing::ReadFile(certs.server_key));
    EXPECT_TRUE(context.ok()) << context.status();
    if (context.ok()) options.tls = *context;
    server = std::make_unique<SmtpServer>(options, Accepting(), 4);
    EXPECT_TRUE(server->Start("127.0.0.1", 0).ok());
  }
  // A client told 220 to its STARTTLS.
  std::unique_ptr<RawClient> ReadyForTls(const std::string& ahead = "") {
    auto client = std::make_unique<RawClient>(server->port());
    EXPECT_EQ(client->Line().substr(0, 4), "220 ");
    client->Write("EHLO c.example\r\nSTARTTLS\r\n" + ahead);
    std::vector<std::string> hello;
    for (std::string line = client->Line(); !line.empty(); line = client->Line()) {
      hello.push_back(line);
      if (line.substr(0, 4) != "250-") break;
    }
    EXPECT_NE(std::find(hello.begin(), hello.end(), "250-STARTTLS"), hello.end());
    EXPECT_EQ(client->Line(), "220 2.0.0 ready to start TLS");
    return client;
  }

  testing::TempDir dir;
  testing::TestCerts certs;
  std::unique_ptr<SmtpServer> server;
};

TEST(SmtpServerTest, AMalformedOrMissingTlsHandshakeEndsOnlyThatSession) {
  TlsServer tls(500ms);
  auto garbage = tls.ReadyForTls();
  garbage->Write("GET / HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(garbage->ClosedWithin(5s));
  auto silent = tls.ReadyForTls();
  EXPECT_TRUE(silent->ClosedWithin(5s)) << "a handshake that never comes ends at idle_timeout";
  RawClient next(tls.server->port());
  EXPECT_EQ(next.Line().substr(0, 4), "220 ");
  next.Write("NOOP\r\n");
  EXPECT_EQ(next.Line(), "250 2.0.0 ok");
  tls.server->Stop();
}

// RFC 3207: after the handshake the dialogue starts over, and what was sent in the clear behind
// STARTTLS (here an EHLO and a MAIL a man in the middle could have added) is dropped.
TEST(SmtpServerTest, PlaintextSentBehindStartTlsIsDropped) {
  TlsServer tls;
  auto plain = tls.ReadyForTls("EHLO evil.example\r\nMAIL FROM:<evil@example.net>\r\n");
  auto client_context = ClientTlsContext(testing::ReadFile(tls.certs.ca_cert));
  ASSERT_TRUE(client_context.ok()) << client_context.status();
  MailSocket socket(plain->Release());
  const Deadline deadline = std::chrono::steady_clock::now() + 10s;
  ASSERT_EQ(socket.StartTlsClient(client_context->get(), "127.0.0.1", deadline), IoResult::kOk)
      << socket.error();
  LineReader reader(socket);
  auto exchange = [&](const std::string& command) {
    EXPECT_EQ(socket.Write(command + "\r\n", deadline), IoResult::kOk);
    std::string line;
    EXPECT_EQ(reader.Next(line, 1000, deadline), LineReader::Result::kLine);
    return line;
  };
  EXPECT_EQ(exchange("NOOP"), "250 2.0.0 ok");
  EXPECT_EQ(exchange("MAIL FROM:<a@example.org>"), "503 5.5.1 say hello first");
  EXPECT_EQ(exchange("STARTTLS"), "503 5.5.1 TLS is already active");
  tls.server->Stop();
}

}  // namespace
}  // namespace omni::connectors::email
