// The SMTP listener over a raw socket: pipelined commands answered in order, a connection over
// the cap hears 421, and Stop tells a waiting session 421 and joins it.
#include "connectors/email/smtp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace omni::connectors::email {
namespace {

// A client socket that reads replies line by line.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~RawClient() { close(fd_); }
  void Write(const std::string& bytes) {
    EXPECT_EQ(send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  // The next reply line, or "" on close / 5 s without one.
  std::string Line() {
    while (true) {
      if (size_t end = buffer_.find("\r\n"); end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return line;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 5000) <= 0) return "";
      char chunk[4096];
      const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  const int fd_;
  std::string buffer_;
};

MailHandler Accepting() {
  return [](const Envelope&, std::string) { return std::string("250 2.0.0 stored"); };
}

TEST(SmtpServerTest, PipelinedCommandsAreAnsweredInOrder) {
  SmtpServer server(SessionOptions{}, Accepting(), 4);
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
  SmtpServer server(SessionOptions{}, Accepting(), 1);
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  RawClient first(server.port());
  EXPECT_EQ(first.Line().substr(0, 4), "220 ");
  RawClient second(server.port());
  EXPECT_EQ(second.Line().substr(0, 4), "421 ");
  server.Stop();
  EXPECT_EQ(first.Line(), "421 4.3.2 shutting down, try again later");
}

}  // namespace
}  // namespace omni::connectors::email
