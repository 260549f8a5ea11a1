// The SIP connector's call reports against a broker link the test plays (a ConnectorContext that
// keeps what is published and acks when told, or refuses as a full outbox does): a redirect is
// confirmed only once the broker acked its "answered" report, and a report the outbox refuses is
// published again until it is queued, not dropped.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "connectors/sip/sip_connector.h"
#include "tests/support/test_support.h"

namespace omni::connectors::sip {
namespace {

using namespace std::chrono_literals;
using omni::testing::WaitFor;

class TestBrokerLink : public ConnectorContext {
 public:
  absl::Status Publish(omnibroker::v1::Event event, AckCallback done) override {
    std::lock_guard lock(mu_);
    if (refusing_) {
      ++refused_[event.id()];
      return absl::ResourceExhaustedError("outbox full (test)");
    }
    ++published_[event.id()];
    if (done) callbacks_[event.id()].push_back(std::move(done));
    return absl::OkStatus();
  }
  const Clock& clock() const override { return SystemClock::Get(); }
  std::string_view tenant() const override { return "default"; }

  void Refuse(bool refuse) {
    std::lock_guard lock(mu_);
    refusing_ = refuse;
  }
  int Published(const std::string& id) {
    std::lock_guard lock(mu_);
    return published_[id];
  }
  int Refused(const std::string& id) {
    std::lock_guard lock(mu_);
    return refused_[id];
  }
  // The broker stored `id`: the callbacks waiting for it run, as on the link's I/O thread.
  void Ack(const std::string& id) {
    std::vector<AckCallback> callbacks;
    {
      std::lock_guard lock(mu_);
      callbacks.swap(callbacks_[id]);
    }
    omnibroker::v1::IngestAck ack;
    ack.set_event_id(id);
    ack.set_status(omnibroker::v1::INGEST_STATUS_ACCEPTED);
    for (auto& callback : callbacks) callback(ack);
  }

 private:
  std::mutex mu_;
  bool refusing_ = false;
  std::map<std::string, int> published_, refused_;
  std::map<std::string, std::vector<AckCallback>> callbacks_;
};

// A caller's UDP socket: sends requests to the connector (the answers are not looked at here).
class UdpCaller {
 public:
  explicit UdpCaller(int port) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  }
  ~UdpCaller() { close(fd_); }
  void Send(const std::string& method) {
    const std::string request =
        absl::StrCat(method, " sip:support@127.0.0.1 SIP/2.0\r\n",
                     "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-report-1\r\n",
                     "From: \"Bob\" <sip:+4915100000077@127.0.0.1>;tag=bob1\r\n",
                     "To: <sip:support@127.0.0.1>\r\nCall-ID: ", kCallId, "\r\nCSeq: 1 ", method,
                     "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
    ASSERT_EQ(send(fd_, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  }

  static constexpr char kCallId[] = "report-1@127.0.0.1";
  static constexpr char kCallEvent[] = "sip:report-1@127.0.0.1:bob1";

 private:
  int fd_ = -1;
};

// A caller waiting on the line: INVITE sent, its CALL event acked.
void WaitingCall(TestBrokerLink& link, UdpCaller& caller) {
  caller.Send("INVITE");
  ASSERT_TRUE(WaitFor([&] { return link.Published(UdpCaller::kCallEvent) == 1; }));
  link.Ack(UdpCaller::kCallEvent);
}

TEST(SipReportsTest, ARedirectIsConfirmedOnlyOnceItsAnsweredReportIsAcked) {
  TestBrokerLink link;
  SipConnector sip(SipOptions{.port = 0, .ack_wait = 300ms});
  ASSERT_OK(sip.Start(link));
  UdpCaller caller(sip.port());
  WaitingCall(link, caller);

  omnibroker::v1::Event redirect;
  redirect.set_id("out-1");
  redirect.set_provider("sip");
  redirect.set_kind(omnibroker::v1::EVENT_KIND_CALL);
  redirect.set_thread_key(UdpCaller::kCallId);
  (*redirect.mutable_provider_metadata())["call.redirect_to"] = "sip:alice@127.0.0.1:5999";
  const std::string answered = absl::StrCat(UdpCaller::kCallEvent, ":answered");

  const absl::Status first = sip.Deliver(redirect);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable) << "the report is not acked: " << first;
  EXPECT_EQ(link.Published(answered), 1);

  // The broker sends the delivery again: the same report is published again, and this time acked.
  auto second = std::async(std::launch::async, [&] { return sip.Deliver(redirect); });
  ASSERT_TRUE(WaitFor([&] { return link.Published(answered) == 2; }));
  link.Ack(answered);
  EXPECT_OK(second.get());

  // A resend that crossed the confirmation: the call is answered, nothing more is published.
  EXPECT_OK(sip.Deliver(redirect));
  EXPECT_EQ(link.Published(answered), 2);
  sip.Stop();
}

TEST(SipReportsTest, AReportTheOutboxRefusesIsPublishedOnceThereIsRoom) {
  TestBrokerLink link;
  SipConnector sip(SipOptions{.port = 0});
  ASSERT_OK(sip.Start(link));
  UdpCaller caller(sip.port());
  WaitingCall(link, caller);
  const std::string abandoned = absl::StrCat(UdpCaller::kCallEvent, ":abandoned");

  link.Refuse(true);
  caller.Send("CANCEL");
  ASSERT_TRUE(WaitFor([&] { return link.Refused(abandoned) > 0; }));
  link.Refuse(false);
  EXPECT_TRUE(WaitFor([&] { return link.Published(abandoned) == 1; }));
  link.Ack(abandoned);
  sip.Stop();
}

}  // namespace
}  // namespace omni::connectors::sip
