// A real SIP user agent (Debian's baresip) calls the SIP connector on 127.0.0.1 through the real
// broker: the agent accepts and the caller is redirected (302) to the agent's voice contact, a
// UDP socket of the test that receives baresip's follow-up INVITE; the history shows the answered
// outcome. A caller who hangs up before an agent took the call is abandoned, one who waits past
// max_wait gets 480 and is overflowed; both conversations are closed. A burst of INVITEs from
// one source opens few calls, and baresip from another address still gets through.
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "connectors/sip/sip_connector.h"
#include "tests/connectors/sip/sip_wire.h"
#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
constexpr char kBaresip[] = "/usr/bin/baresip";

// The agent's phone: a UDP socket on 127.0.0.1 that only listens.
class AgentPhone {
 public:
  AgentPhone() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~AgentPhone() { close(fd_); }
  std::string contact() const { return "sip:alice@127.0.0.1:" + std::to_string(port_); }
  // The next datagram, or "" after `timeout`.
  std::string Receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buffer[65536];
    const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, n) : "";
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// baresip calling sip:support@<connector> from its own config folder, quitting after `seconds`
// (quitting hangs up: a CANCEL while the call still rings). Its SIP trace goes to baresip.log.
class Caller {
 public:
  Caller(const std::filesystem::path& dir, int connector_port, int seconds) : dir_(dir) {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "config") << "module_path /usr/lib/baresip/modules\n"
                                  // Port 0: baresip binds one of its own, no race with a test beside it.
                                  << "sip_listen 127.0.0.1:0\n"
                                  << "module g711.so\nmodule ausine.so\nmodule menu.so\nmodule account.so\n"
                                  << "audio_player aufile,/dev/null\naudio_source ausine,440\n";
    std::ofstream(dir / "accounts") << "\"Caller One\" <sip:+4915100000042@127.0.0.1>;regint=0\n";
    process_ = std::make_unique<testing::ChildProcess>(
        kBaresip,
        std::vector<std::string>{"-f", dir.string(), "-s", "-t", std::to_string(seconds), "-e",
                                 "d sip:support@127.0.0.1:" + std::to_string(connector_port)},
        dir / "baresip.log");
  }
  std::string Log() const { return testing::ReadFile(dir_ / "baresip.log"); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> process_;
};

struct PhoneBroker {
  explicit PhoneBroker(const std::filesystem::path& dir, const std::string& alice_contact,
                       std::map<std::string, std::string> settings = {})
      : broker([&] {
          app::BrokerConfig config = testing::TestConfig(dir);
          for (auto& agent : config.agents) {
            if (agent.id() == "alice") agent.set_voice_contact(alice_contact);
          }
          settings.merge(std::map<std::string, std::string>{
              {"listen", "127.0.0.1:0"}, {"max_wait_ms", "30000"}, {"ringing_every_ms", "1000"}});
          config.connectors.push_back(connectors::ConnectorConfig{.type = "sip", .name = "sip", .settings = settings});
          return config;
        }()) {
    EXPECT_OK(broker.Start());
    port = dynamic_cast<connectors::sip::SipConnector*>(broker.connector("sip"))->port();
  }
  app::BrokerApp broker;
  int port = 0;
};

TEST(SipCallFlowTest, AnAcceptedCallIsRedirectedToTheAgentsPhone) {
  ASSERT_TRUE(std::filesystem::exists(kBaresip)) << "baresip-core is not installed (deploy/setup-debian.sh)";
  testing::TempDir dir;
  AgentPhone phone;
  PhoneBroker phones(dir.path() / "broker", phone.contact());
  testing::AdminClient admin(phones.broker.grpc_address());
  auto alice = testing::AvailableAgent(phones.broker, "alice");

  Caller caller(dir.path() / "caller", phones.port, 15);
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value()) << caller.Log();
  EXPECT_EQ(offer->last_event().channel(), omnibroker::v1::CHANNEL_VOICE);
  EXPECT_EQ(offer->last_event().sender().handle(), "sip:+4915100000042@127.0.0.1");
  std::this_thread::sleep_for(1s);  // the caller waits a moment
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());

  std::string invite;
  ASSERT_TRUE(testing::WaitFor([&] {
    invite = phone.Receive(200ms);
    return invite.rfind("INVITE ", 0) == 0;
  }, 10s)) << caller.Log();
  EXPECT_EQ(invite.rfind("INVITE " + phone.contact() + " SIP/2.0", 0), 0u) << invite;
  EXPECT_NE(caller.Log().find("SIP/2.0 302 Moved Temporarily"), std::string::npos);

  const auto answered = testing::CallReport(admin, offer->conversation().id(), "answered");
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->provider_metadata().at("call.redirect_to"), phone.contact());
  EXPECT_GE(std::stoll(answered->provider_metadata().at("call.wait_ms")), 1000);
  EXPECT_NE(answered->content().text().find("put through to " + phone.contact()), std::string::npos);
  EXPECT_EQ(admin.Conversation(offer->conversation().id()).state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
}

TEST(SipCallFlowTest, ACallerWhoHangsUpFirstIsAbandoned) {
  ASSERT_TRUE(std::filesystem::exists(kBaresip)) << "baresip-core is not installed (deploy/setup-debian.sh)";
  testing::TempDir dir;
  AgentPhone phone;
  PhoneBroker phones(dir.path() / "broker", phone.contact());
  testing::AdminClient admin(phones.broker.grpc_address());
  auto alice = testing::AvailableAgent(phones.broker, "alice");

  Caller caller(dir.path() / "caller", phones.port, 3);  // hangs up after 3 s, nobody accepted
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value()) << caller.Log();
  const auto abandoned = testing::CallReport(admin, offer->conversation().id(), "abandoned");
  ASSERT_TRUE(abandoned.has_value()) << caller.Log();
  EXPECT_NE(abandoned->content().text().find("abandoned after"), std::string::npos);
  ASSERT_TRUE(testing::WaitFor([&] {
    return admin.Conversation(offer->conversation().id()).state() == omnibroker::v1::CONVERSATION_STATE_CLOSED;
  }));
  EXPECT_EQ(admin.Conversation(offer->conversation().id()).disposition(), "call_abandoned");
  EXPECT_FALSE(alice->Accept(offer->offer_id()).ok()) << "the caller is gone";
  EXPECT_NE(caller.Log().find("SIP/2.0 487 Request Terminated"), std::string::npos);
}

TEST(SipCallFlowTest, ACallerWaitingPastMaxWaitGets480AndIsOverflowed) {
  ASSERT_TRUE(std::filesystem::exists(kBaresip)) << "baresip-core is not installed (deploy/setup-debian.sh)";
  testing::TempDir dir;
  AgentPhone phone;
  PhoneBroker phones(dir.path() / "broker", phone.contact(), {{"max_wait_ms", "2000"}});
  testing::AdminClient admin(phones.broker.grpc_address());
  auto alice = testing::AvailableAgent(phones.broker, "alice");

  Caller caller(dir.path() / "caller", phones.port, 10);
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value()) << caller.Log();
  const auto overflowed = testing::CallReport(admin, offer->conversation().id(), "overflowed");
  ASSERT_TRUE(overflowed.has_value()) << caller.Log();
  EXPECT_GE(std::stoll(overflowed->provider_metadata().at("call.wait_ms")), 2000);
  ASSERT_TRUE(testing::WaitFor([&] {
    return admin.Conversation(offer->conversation().id()).state() == omnibroker::v1::CONVERSATION_STATE_CLOSED;
  }));
  EXPECT_EQ(admin.Conversation(offer->conversation().id()).disposition(), "call_overflowed");
  ASSERT_TRUE(testing::WaitFor([&] { return caller.Log().find("SIP/2.0 480 Temporarily Unavailable") != std::string::npos; }))
      << caller.Log();
  EXPECT_NE(caller.Log().find("Reason: SIP;cause=480"), std::string::npos);
}

// A burst of INVITEs from one source (spoofed or not) opens at most max_calls_per_source calls;
// the rest are dropped by its token bucket or refused with 503, and counted. A caller from another
// address still gets through to an agent.
TEST(SipCallFlowTest, ABurstOfInvitesFromOneSourceOpensFewCallsAndAnotherCallerGetsThrough) {
  ASSERT_TRUE(std::filesystem::exists(kBaresip)) << "baresip-core is not installed (deploy/setup-debian.sh)";
  testing::TempDir dir;
  AgentPhone phone;
  PhoneBroker phones(dir.path() / "broker", phone.contact(),
                     {{"rate_limit_per_second", "1"}, {"rate_limit_burst", "5"}, {"max_calls_per_source", "3"}});
  auto& sip = *dynamic_cast<connectors::sip::SipConnector*>(phones.broker.connector("sip"));
  testing::AdminClient admin(phones.broker.grpc_address());
  auto alice = testing::AvailableAgent(phones.broker, "alice");

  constexpr int kBurst = 30;
  testing::SipSocket flood(SOCK_DGRAM, phones.port, "127.0.0.2");
  for (int i = 0; i < kBurst; ++i) flood.Send(testing::SipRequestText("INVITE", absl::StrCat("flood-", i, "@127.0.0.2")));
  auto dropped = [&] {
    auto rejections = sip.Rejections();
    return rejections["rate_limited"] + rejections["too_many_calls"];
  };
  ASSERT_TRUE(testing::WaitFor([&] { return dropped() == kBurst - 3; })) << dropped() << " dropped";

  Caller caller(dir.path() / "caller", phones.port, 15);
  std::set<std::string> flood_offers;
  std::optional<omnibroker::v1::Offer> call;
  while (!call.has_value()) {  // the flood's calls came first: each is offered, and declined
    auto offer = testing::NextOffer(*alice);
    ASSERT_TRUE(offer.has_value()) << caller.Log();
    if (offer->last_event().sender().handle() == "sip:+4915100000042@127.0.0.1") {
      call = offer;
    } else {
      flood_offers.insert(offer->conversation().id());
      ASSERT_TRUE(alice->Decline(offer->offer_id()).ok());
    }
  }
  ASSERT_TRUE(alice->Accept(call->offer_id()).ok());
  std::string invite;
  ASSERT_TRUE(testing::WaitFor([&] {
    invite = phone.Receive(200ms);
    return invite.rfind("INVITE ", 0) == 0;
  }, 10s)) << caller.Log();

  omnibroker::v1::ListConversationsResponse open;
  grpc::ClientContext context;
  ASSERT_TRUE(admin->ListConversations(&context, {}, &open).ok());
  int flood_calls = 0;
  for (const auto& conversation : open.conversations()) flood_calls += conversation.thread_key().starts_with("flood-");
  EXPECT_EQ(flood_calls, 3) << "max_calls_per_source";
  EXPECT_LE(flood_offers.size(), 3u);
  EXPECT_EQ(dropped(), kBurst - 3);
}

}  // namespace
}  // namespace omni
