// SIP over TCP against clients that misbehave, with raw sockets on 127.0.0.1 and the connector
// hosted by the real broker: a client that never reads is closed once its waiting output passes
// the cap while the connector and other clients go on, and Stop() returns promptly while it is
// connected; an endless header line is cut at the max message size; a Content-Length past it is
// answered 513; connections past the caps are closed at once; an idle connection is closed, one
// whose caller waits is not.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <future>

#include "connectors/sip/sip_connector.h"
#include "tests/connectors/sip/sip_wire.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using connectors::sip::SipConnector;

app::BrokerConfig TcpConfig(const std::filesystem::path& dir,
                            std::map<std::string, std::string> settings = {}) {
  app::BrokerConfig config = testing::TestConfig(dir);
  settings.merge(std::map<std::string, std::string>{{"listen", "127.0.0.1:0"},
                                                    {"max_wait_ms", "1500"},
                                                    {"ringing_every_ms", "500"},
                                                    {"t1_ms", "100"}});
  config.connectors.push_back(
      connectors::ConnectorConfig{.type = "sip", .name = "sip", .settings = settings});
  return config;
}

SipConnector& Sip(app::BrokerApp& broker) {
  return *dynamic_cast<SipConnector*>(broker.connector("sip"));
}

// What became of a client that sent without reading.
struct Flood {
  bool closed = false;  // the connector closed the connection
  bool stuck = false;   // the socket took nothing more for a while: the connector stopped reading
  size_t sent = 0;
};

// Sends `bytes` over and over on `fd` and reads nothing, until the connection is closed, the
// socket takes nothing for 500 ms, `max_bytes` went out or `timeout` passed.
Flood SendWithoutReading(int fd, const std::string& bytes, size_t max_bytes,
                         std::chrono::milliseconds timeout) {
  Flood flood;
  size_t offset = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (flood.sent < max_bytes && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 500) == 0) {
      flood.stuck = true;
      break;
    }
    if (p.revents & (POLLERR | POLLHUP)) {
      flood.closed = true;
      break;
    }
    const ssize_t n =
        send(fd, bytes.data() + offset, bytes.size() - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) {
      flood.closed = true;
      break;
    }
    flood.sent += n;
    offset = (offset + n) % bytes.size();
  }
  return flood;
}

// Stops the broker and expects it done within 5 s; a connector stuck writing to `deaf` (a client
// that does not read) is then let go by reading what it sent, so the test ends either way.
void ExpectStopsPromptly(app::BrokerApp& broker, int deaf) {
  auto stopped = std::async(std::launch::async, [&] { broker.Stop(); });
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready)
      << "Stop() waits on a client that does not read";
  while (stopped.wait_for(10ms) != std::future_status::ready) {
    char buffer[65536];
    while (recv(deaf, buffer, sizeof(buffer), MSG_DONTWAIT) > 0) {
    }
  }
}

// The connector answers OPTIONS over UDP and on a new TCP connection.
void ExpectAnswers(int port) {
  testing::SipSocket udp(SOCK_DGRAM, port);
  udp.Send(testing::SipRequestText("OPTIONS", "still-udp@127.0.0.1"));
  EXPECT_EQ(udp.NextStatus(), "SIP/2.0 200 OK") << "the connector is stuck";
  testing::SipSocket tcp(SOCK_STREAM, port);
  tcp.Send(testing::SipRequestText("OPTIONS", "still-tcp@127.0.0.1"));
  EXPECT_EQ(tcp.NextStatus(), "SIP/2.0 200 OK") << "the connector is stuck";
}

TEST(SipTcpTest, AClientThatNeverReadsIsClosedPastTheOutputCapAndOthersGoOn) {
  testing::TempDir dir;
  app::BrokerApp broker(TcpConfig(dir.path(), {{"tcp_max_output_bytes", "16384"}}));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket deaf(SOCK_STREAM, port, "127.0.0.1", 4096);

  const Flood flood = SendWithoutReading(
      deaf.fd(), testing::SipRequestText("OPTIONS", "deaf@127.0.0.1"), 64 << 20, 20s);
  EXPECT_TRUE(flood.closed) << "sent " << flood.sent << " bytes, stuck: " << flood.stuck;
  ExpectAnswers(port);
  EXPECT_EQ(Sip(broker).Rejections()["tcp_output_overflow"], 1);
  ExpectStopsPromptly(broker, deaf.fd());
}

TEST(SipTcpTest, StopReturnsPromptlyWhileClientsNeverRead) {
  testing::TempDir dir;
  // An output cap far above what the flood makes: the connection stays, its output waiting.
  app::BrokerApp broker(
      TcpConfig(dir.path(), {{"tcp_max_output_bytes", "67108864"}, {"max_wait_ms", "60000"}}));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket caller(SOCK_STREAM, port, "127.0.0.1", 4096);
  caller.Send(testing::SipRequestText("INVITE", "waits@127.0.0.1"));  // and never reads
  testing::SipSocket deaf(SOCK_STREAM, port, "127.0.0.1", 4096);
  // More than the kernel's socket buffers hold (a few MiB on loopback), so that a connector
  // writing in blocking calls would be stuck by now.
  const Flood flood = SendWithoutReading(
      deaf.fd(), testing::SipRequestText("OPTIONS", "deaf@127.0.0.1"), 16 << 20, 30s);
  EXPECT_FALSE(flood.closed);
  ExpectStopsPromptly(broker, deaf.fd());
}

TEST(SipTcpTest, AnEndlessHeaderLineIsCutAtTheMaxMessageSize) {
  testing::TempDir dir;
  app::BrokerApp broker(TcpConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket endless(SOCK_STREAM, port);
  endless.Send("OPTIONS sip:support@127.0.0.1 SIP/2.0\r\nX-Filler: ");
  const Flood flood = SendWithoutReading(endless.fd(), std::string(4096, 'a'), 8 << 20, 20s);
  EXPECT_TRUE(flood.closed) << "sent " << flood.sent << " bytes of one header line";
  ExpectAnswers(port);
  EXPECT_EQ(Sip(broker).Rejections()["message_too_large"], 1);
  broker.Stop();
}

TEST(SipTcpTest, AContentLengthPastTheMaxMessageSizeIsAnswered513AndClosed) {
  testing::TempDir dir;
  app::BrokerApp broker(TcpConfig(dir.path()));
  ASSERT_OK(broker.Start());
  testing::SipSocket caller(SOCK_STREAM, Sip(broker).port());
  std::string invite = testing::SipRequestText("INVITE", "huge@127.0.0.1");
  invite.replace(invite.find("Content-Length: 0"), 17, "Content-Length: 70000");
  caller.Send(invite + "v=0\r\n");
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 513 Message Too Large");
  EXPECT_NE(caller.last().find("Call-ID: huge@127.0.0.1"), std::string::npos) << caller.last();
  EXPECT_TRUE(caller.ClosedWithin(3s));
  EXPECT_EQ(Sip(broker).Rejections()["message_too_large"], 1);
  broker.Stop();
}

TEST(SipTcpTest, ConnectionsPastTheCapsAreClosedAtOnce) {
  testing::TempDir dir;
  app::BrokerApp broker(TcpConfig(
      dir.path(), {{"tcp_max_connections", "3"}, {"tcp_max_connections_per_address", "2"}}));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  auto answered = [](testing::SipSocket& client, const std::string& call_id) {
    client.Send(testing::SipRequestText("OPTIONS", call_id));
    return client.NextStatus() == "SIP/2.0 200 OK";
  };
  testing::SipSocket first(SOCK_STREAM, port, "127.0.0.1"), second(SOCK_STREAM, port, "127.0.0.1");
  ASSERT_TRUE(answered(first, "a1@127.0.0.1"));
  ASSERT_TRUE(answered(second, "a2@127.0.0.1"));
  testing::SipSocket third(SOCK_STREAM, port, "127.0.0.1");
  EXPECT_TRUE(third.ClosedWithin(3s)) << "a third connection from one address";
  testing::SipSocket other(SOCK_STREAM, port, "127.0.0.2");
  EXPECT_TRUE(answered(other, "b1@127.0.0.1")) << "another address still connects";
  testing::SipSocket fourth(SOCK_STREAM, port, "127.0.0.3");
  EXPECT_TRUE(fourth.ClosedWithin(3s)) << "a fourth connection in all";
  EXPECT_TRUE(answered(first, "a1-again@127.0.0.1"));
  EXPECT_EQ(Sip(broker).Rejections()["tcp_connection_limit"], 2);
  broker.Stop();
}

TEST(SipTcpTest, AnIdleConnectionIsClosedButNotOneACallerWaitsOn) {
  testing::TempDir dir;
  app::BrokerApp broker(TcpConfig(dir.path(), {{"tcp_idle_timeout_ms", "300"}}));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket caller(SOCK_STREAM, port);
  caller.Send(testing::SipRequestText("INVITE", "idle-caller@127.0.0.1"));
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 100 Trying");
  testing::SipSocket idle(SOCK_STREAM, port);
  idle.Send(testing::SipRequestText("OPTIONS", "idle@127.0.0.1"));
  EXPECT_EQ(idle.NextStatus(), "SIP/2.0 200 OK");
  EXPECT_TRUE(idle.ClosedWithin(3s));
  std::string status;
  ASSERT_TRUE(testing::WaitFor(
      [&] { return (status = caller.NextStatus(200ms)) == "SIP/2.0 480 Temporarily Unavailable"; },
      5s))
      << "the caller's connection stays until max_wait (1.5 s), past the idle timeout";
  broker.Stop();
}

}  // namespace
}  // namespace omni
