// The INVITE server transaction on the wire, with a raw UDP (and TCP) socket playing the caller
// against the connector hosted by the real broker: 100 at once and 180 once the broker stored
// the call, a retransmitted INVITE answered with the last response, OPTIONS 200, other methods
// 405/501, the 480 of max_wait resent (timer G) until the ACK consumes it, CANCEL, and a TCP
// caller whose connection closes abandoned. Over UDP no answer is larger than its request, a final
// response is resent three times at most, and a call past max_calls hears 503 with Retry-After.
#include <sys/socket.h>

#include <optional>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "connectors/sip/sip_connector.h"
#include "tests/connectors/sip/sip_wire.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;

app::BrokerConfig PhoneConfig(const std::filesystem::path& dir, std::map<std::string, std::string> settings = {}) {
  app::BrokerConfig config = testing::TestConfig(dir);
  settings.merge(std::map<std::string, std::string>{
      {"listen", "127.0.0.1:0"}, {"max_wait_ms", "1500"}, {"ringing_every_ms", "500"}, {"t1_ms", "100"}});
  config.connectors.push_back(connectors::ConnectorConfig{.type = "sip", .name = "sip", .settings = settings});
  return config;
}

connectors::sip::SipConnector& Sip(app::BrokerApp& broker) {
  return *dynamic_cast<connectors::sip::SipConnector*>(broker.connector("sip"));
}

TEST(SipTransactionTest, InviteRingsAbsorbsRetransmissionsAndResendsItsFinalUntilAck) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket caller(SOCK_DGRAM, port);

  const std::string invite = testing::SipRequestText("INVITE", "tx-1@127.0.0.1");
  caller.Send(invite);
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 100 Trying");
  EXPECT_NE(caller.last().find("Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-tx-1@127.0.0.1"), std::string::npos);
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 180 Ringing");  // the broker stored the call
  EXPECT_NE(caller.last().find("To: <sip:support@127.0.0.1>;tag="), std::string::npos);
  caller.Send(invite);  // a retransmission: no second call, the last response again
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 180 Ringing");
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 180 Ringing");  // repeated while waiting (ringing_every)

  std::string status;
  ASSERT_TRUE(testing::WaitFor([&] { return (status = caller.NextStatus(200ms)) == "SIP/2.0 480 Temporarily Unavailable"; }, 5s));
  EXPECT_NE(caller.last().find("Reason: SIP;cause=480"), std::string::npos);
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 480 Temporarily Unavailable") << "timer G resends it";
  caller.Send(testing::SipRequestText("ACK", "tx-1@127.0.0.1"));
  while (caller.NextStatus(150ms) == "SIP/2.0 480 Temporarily Unavailable") {
  }  // one may have crossed the ACK
  EXPECT_EQ(caller.NextStatus(800ms), "") << "the ACK ends the retransmissions";
  broker.Stop();
}

// The configured port taken (here on UDP by another socket): the start fails and says which
// address and why, rather than listening on one protocol only.
TEST(SipTransactionTest, AListenPortInUseFailsTheStartWithTheReason) {
  const int taken = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length);
  const std::string listen = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));

  testing::TempDir dir;
  app::BrokerConfig config = PhoneConfig(dir.path());
  config.connectors.back().settings["listen"] = listen;
  app::BrokerApp broker(std::move(config));
  const absl::Status started = broker.Start();
  EXPECT_FALSE(started.ok());
  EXPECT_NE(started.message().find("sip: cannot bind " + listen + ": Address already in use"), std::string::npos) << started;
  broker.Stop();
  close(taken);
}

TEST(SipTransactionTest, OptionsAndOtherMethodsOverUdpAndTcp) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket udp(SOCK_DGRAM, port);
  udp.Send(testing::SipRequestText("OPTIONS", "opt-1@127.0.0.1"));
  EXPECT_EQ(udp.NextStatus(), "SIP/2.0 200 OK");
  EXPECT_NE(udp.last().find("Allow: INVITE, ACK, CANCEL, BYE, OPTIONS"), std::string::npos);
  udp.Send(testing::SipRequestText("MESSAGE", "msg-1@127.0.0.1", "hello"));
  EXPECT_EQ(udp.NextStatus(), "SIP/2.0 405 Method Not Allowed");
  udp.Send(testing::SipRequestText("FROBNICATE", "frob-1@127.0.0.1"));
  EXPECT_EQ(udp.NextStatus(), "SIP/2.0 501 Not Implemented");
  udp.Send(testing::SipRequestText("BYE", "unknown@127.0.0.1"));
  EXPECT_EQ(udp.NextStatus(), "SIP/2.0 481 Call/Transaction Does Not Exist");
  udp.Send("not sip at all\r\n\r\n");
  EXPECT_EQ(udp.NextStatus(300ms), "") << "an unparsable datagram is dropped";

  testing::SipSocket tcp(SOCK_STREAM, port);
  const std::string options = testing::SipRequestText("OPTIONS", "opt-2@127.0.0.1");
  tcp.Send("\r\n\r\n" + options.substr(0, 40));  // a keepalive, then a message in two segments
  std::this_thread::sleep_for(100ms);
  tcp.Send(options.substr(40));
  EXPECT_EQ(tcp.NextStatus(), "SIP/2.0 200 OK");
  broker.Stop();
}

TEST(SipTransactionTest, CancelAnswers200AndTheInvite487) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::SipSocket caller(SOCK_DGRAM, port);
  caller.Send(testing::SipRequestText("INVITE", "cancel-1@127.0.0.1"));
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 100 Trying");
  EXPECT_EQ(caller.NextStatus(), "SIP/2.0 180 Ringing");
  std::string cancel = testing::SipRequestText("CANCEL", "cancel-1@127.0.0.1");
  caller.Send(cancel);
  std::set<std::string> statuses{caller.NextStatus(), caller.NextStatus()};
  EXPECT_EQ(statuses, (std::set<std::string>{"SIP/2.0 200 OK", "SIP/2.0 487 Request Terminated"}));
  broker.Stop();
}

TEST(SipTransactionTest, ATcpCallerWhoseConnectionClosesIsAbandoned) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const int port = Sip(broker).port();
  testing::AdminClient admin(broker.grpc_address());
  auto alice = agent::AgentClient::Connect(broker.grpc_address(), "alice");
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  {
    testing::SipSocket caller(SOCK_STREAM, port);
    caller.Send(testing::SipRequestText("INVITE", "tcp-1@127.0.0.1"));
    EXPECT_EQ(caller.NextStatus(), "SIP/2.0 100 Trying");
    EXPECT_EQ(caller.NextStatus(), "SIP/2.0 180 Ringing");
  }  // the connection closes
  auto offer = testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(testing::WaitFor([&] {
    return admin.Conversation(offer->conversation().id()).disposition() == "call_abandoned";
  }));
  broker.Stop();
}

// A UDP source address may be spoofed: the connector answers it no more bytes than it sent (or it
// would be a reflection amplifier), and resends a final response only a few times.
TEST(SipTransactionTest, AUdpSourceGetsNoAnswerLargerThanItsRequestAndFewResends) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path()));
  ASSERT_OK(broker.Start());
  testing::SipSocket caller(SOCK_DGRAM, Sip(broker).port());
  const std::string tiny =
      "OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-t\r\n"
      "From: <sip:b@127.0.0.1>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: t\r\nCSeq: 1 OPTIONS\r\n\r\n";
  caller.Send(tiny);
  EXPECT_EQ(caller.NextStatus(500ms), "") << caller.last().size() << " bytes in answer to " << tiny.size();
  EXPECT_EQ(Sip(broker).Rejections()["response_too_large"], 1);

  // Everything that comes back until 2 s after the 480 of max_wait (1.5 s): with T1 = 100 ms,
  // RFC 3261's timer G would resend it at +0.1, +0.3, +0.7 and +1.5 s.
  const std::string invite = testing::SipRequestText("INVITE", "few-resends@127.0.0.1");
  caller.Send(invite);
  int finals = 0;
  std::optional<std::chrono::steady_clock::time_point> first_final;
  const auto give_up = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < (first_final ? *first_final + 2s : give_up)) {
    const std::string status = caller.NextStatus(100ms);
    if (status.empty()) continue;
    EXPECT_LE(caller.last().size(), invite.size()) << status;
    if (status != "SIP/2.0 480 Temporarily Unavailable") continue;
    ++finals;
    if (!first_final) first_final = std::chrono::steady_clock::now();
  }
  EXPECT_EQ(finals, 4) << "the 480 and three resends";
  broker.Stop();
}

TEST(SipTransactionTest, ACallPastMaxCallsHears503WithRetryAfter) {
  testing::TempDir dir;
  app::BrokerApp broker(PhoneConfig(dir.path(), {{"max_calls", "1"}}));
  ASSERT_OK(broker.Start());
  testing::SipSocket first(SOCK_DGRAM, Sip(broker).port(), "127.0.0.1");
  first.Send(testing::SipRequestText("INVITE", "first@127.0.0.1"));
  EXPECT_EQ(first.NextStatus(), "SIP/2.0 100 Trying");
  testing::SipSocket second(SOCK_DGRAM, Sip(broker).port(), "127.0.0.2");
  second.Send(testing::SipRequestText("INVITE", "second@127.0.0.2"));
  EXPECT_EQ(second.NextStatus(), "SIP/2.0 503 Service Unavailable");
  EXPECT_NE(second.last().find("Retry-After: 30\r\n"), std::string::npos) << second.last();
  EXPECT_EQ(Sip(broker).Rejections()["too_many_calls"], 1);
  broker.Stop();
}

}  // namespace
}  // namespace omni
