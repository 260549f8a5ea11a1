// The Twilio voice connector through the real broker (RocksDB, ZeroMQ, gRPC), driven the way
// Twilio drives it: form POSTs over HTTP on 127.0.0.1 signed as Twilio signs them (HMAC-SHA1 of
// the public URL and the sorted fields, base64). A caller gets hold TwiML and polls the wait URL;
// once the agent accepted, the next poll is <Dial>ed to the agent's contact and the Dial action
// callback puts the talk duration in the history. A caller who hangs up first is abandoned, one
// who waits past max_wait hears the overflow message and is hung up; a forged signature is 403,
// a signed form that is no call 400.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "absl/strings/escaping.h"
#include "broker/app/broker_app.h"
#include "connectors/sdk/signature.h"
#include "connectors/twilio_voice/twilio_voice_connector.h"
#include "omni/agent/agent_client.h"
#include "tests/support/broker_harness.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using Fields = std::vector<std::pair<std::string, std::string>>;

constexpr char kAuthToken[] = "twilio-auth-token-0123";
constexpr char kPublicBase[] = "https://cc.example.test";
constexpr char kCaller[] = "+4915100000077";

// Twilio's side of the webhook: signs each form POST for the public URL and sends it to the
// connector's port.
class Twilio {
 public:
  explicit Twilio(int port) : http_("127.0.0.1", port) { http_.set_read_timeout(15, 0); }

  // Status and body of a POST to `path` carrying `fields`, signed with `token`.
  std::pair<int, std::string> Post(const std::string& path, const Fields& fields,
                                   const std::string& token = kAuthToken) {
    Fields sorted = fields;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string signed_text = kPublicBase + path;
    std::string body;
    for (const auto& [name, value] : sorted) signed_text += name + value;
    for (const auto& [name, value] : fields) {
      body += (body.empty() ? "" : "&") + Encode(name) + "=" + Encode(value);
    }
    const std::string signature =
        absl::Base64Escape(connectors::Hmac(connectors::Digest::kSha1, token, signed_text));
    auto res = http_.Post(path.c_str(), {{"X-Twilio-Signature", signature}}, body,
                          "application/x-www-form-urlencoded");
    return res ? std::pair(res->status, res->body) : std::pair(-1, std::string());
  }

 private:
  static std::string Encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += "%" + absl::BytesToHexString(std::string(1, static_cast<char>(c)));
      }
    }
    return out;
  }
  httplib::Client http_;
};

Fields CallFields(const std::string& sid, const std::string& status = "ringing") {
  return {{"AccountSid", "AC0001"}, {"CallSid", sid},       {"From", kCaller},
          {"To", "+4930120000"},    {"CallStatus", status}, {"Direction", "inbound"}};
}

// A broker hosting the connector (pause 1 s), alice available, and Twilio pointed at it.
class TwilioVoiceFlowTest : public ::testing::Test {
 protected:
  void Start(const std::string& max_wait_ms = "60000") {
    app::BrokerConfig config = testing::TestConfig(dir.path());
    config.connectors.push_back(
        connectors::ConnectorConfig{.type = "twilio_voice",
                                    .name = "twilio_voice",
                                    .settings = {{"listen", "127.0.0.1:0"},
                                                 {"auth_token", kAuthToken},
                                                 {"public_base_url", kPublicBase},
                                                 {"pause_s", "1"},
                                                 {"max_wait_ms", max_wait_ms},
                                                 {"hold_message", "Please hold & stay"}}});
    broker = std::make_unique<app::BrokerApp>(config);
    ASSERT_OK(broker->Start());
    connector = dynamic_cast<connectors::twilio_voice::TwilioVoiceConnector*>(
        broker->connector("twilio_voice"));
    ASSERT_NE(connector, nullptr);
    admin = std::make_unique<testing::AdminClient>(broker->grpc_address());
    alice = testing::AvailableAgent(*broker, "alice");
    twilio = std::make_unique<Twilio>(connector->port());
  }

  testing::TempDir dir;
  std::unique_ptr<app::BrokerApp> broker;
  connectors::twilio_voice::TwilioVoiceConnector* connector = nullptr;
  std::unique_ptr<testing::AdminClient> admin;
  std::unique_ptr<agent::AgentClient> alice;
  std::unique_ptr<Twilio> twilio;
};

// Polls the wait URL as Twilio does after each <Pause>, until the answer contains `wanted`.
std::string PollUntil(Twilio& twilio, const std::string& sid, const std::string& wanted) {
  std::string answer;
  testing::WaitFor([&] {
    auto [status, body] = twilio.Post("/twilio/voice/wait", CallFields(sid, "in-progress"));
    EXPECT_EQ(status, 200) << body;
    answer = body;
    return body.find(wanted) != std::string::npos;
  });
  return answer;
}

TEST_F(TwilioVoiceFlowTest, AWaitingCallIsDialedToTheAgentAndItsTalkDurationStored) {
  ASSERT_NO_FATAL_FAILURE(Start());

  auto [status, hold] = twilio->Post("/twilio/voice", CallFields("CA100"));
  ASSERT_EQ(status, 200) << hold;
  EXPECT_NE(
      hold.find("<Response><Say>Please hold &amp; stay</Say><Pause length=\"1\"/>"
                "<Redirect method=\"POST\">https://cc.example.test/twilio/voice/wait</Redirect>"),
      std::string::npos)
      << hold;
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  EXPECT_EQ(offer->last_event().channel(), omnibroker::v1::CHANNEL_VOICE);
  EXPECT_EQ(offer->last_event().sender().handle(), kCaller);

  // Polls before the accept keep the caller waiting, without the hold message again.
  auto [poll_status, waiting] =
      twilio->Post("/twilio/voice/wait", CallFields("CA100", "in-progress"));
  EXPECT_EQ(poll_status, 200);
  EXPECT_EQ(waiting.find("<Say>"), std::string::npos) << waiting;
  EXPECT_NE(waiting.find("<Redirect method=\"POST\">"), std::string::npos) << waiting;

  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  const std::string dial = PollUntil(*twilio, "CA100", "<Dial");
  EXPECT_NE(
      dial.find(
          "<Response><Dial action=\"https://cc.example.test/twilio/voice/dial\" method=\"POST\">"
          "<Sip>sip:alice@127.0.0.1</Sip></Dial></Response>"),
      std::string::npos)
      << dial;
  const auto answered = testing::CallReport(*admin, offer->conversation().id(), "answered");
  ASSERT_TRUE(answered.has_value());
  EXPECT_EQ(answered->provider_metadata().at("call.redirect_to"), "sip:alice@127.0.0.1");

  Fields action = CallFields("CA100", "in-progress");
  action.insert(
      action.end(),
      {{"DialCallStatus", "completed"}, {"DialCallSid", "CA101"}, {"DialCallDuration", "42"}});
  auto [action_status, hangup] = twilio->Post("/twilio/voice/dial", action);
  EXPECT_EQ(action_status, 200);
  EXPECT_NE(hangup.find("<Response><Hangup/></Response>"), std::string::npos) << hangup;
  const auto completed = testing::CallReport(*admin, offer->conversation().id(), "completed");
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->provider_metadata().at("call.talk_ms"), "42000");
  EXPECT_EQ(completed->content().text(),
            std::string("Call from ") + kCaller + " talked 42 s with the agent");

  // The call's final status callback is no abandonment: the conversation stays with alice.
  auto [final_status, empty] = twilio->Post("/twilio/voice", CallFields("CA100", "completed"));
  EXPECT_EQ(final_status, 200);
  EXPECT_NE(empty.find("<Response/>"), std::string::npos) << empty;
  const auto conversation = admin->Conversation(offer->conversation().id());
  EXPECT_EQ(conversation.state(), omnibroker::v1::CONVERSATION_STATE_ASSIGNED);
  EXPECT_FALSE(conversation.has_awaiting_reply_since());
  const auto history = admin->CustomerHistory(conversation.customer_id());
  for (const auto& e : history.events()) {
    EXPECT_NE(e.id(), "twilio_voice:CA100:abandoned");
  }
}

TEST_F(TwilioVoiceFlowTest, ACallerWhoHangsUpBeforeAssignmentIsAbandoned) {
  ASSERT_NO_FATAL_FAILURE(Start());

  ASSERT_EQ(twilio->Post("/twilio/voice", CallFields("CA200")).first, 200);
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  Fields hung_up = CallFields("CA200", "completed");
  hung_up.emplace_back("CallDuration", "3");
  auto [status, body] = twilio->Post("/twilio/voice", hung_up);
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find("<Response/>"), std::string::npos) << body;
  const auto abandoned = testing::CallReport(*admin, offer->conversation().id(), "abandoned");
  ASSERT_TRUE(abandoned.has_value());
  EXPECT_NE(abandoned->content().text().find("abandoned (completed)"), std::string::npos);
  ASSERT_TRUE(testing::WaitFor([&] {
    return admin->Conversation(offer->conversation().id()).state() ==
           omnibroker::v1::CONVERSATION_STATE_CLOSED;
  }));
  EXPECT_EQ(admin->Conversation(offer->conversation().id()).disposition(), "call_abandoned");
  EXPECT_FALSE(alice->Accept(offer->offer_id()).ok()) << "the caller is gone";
}

TEST_F(TwilioVoiceFlowTest, ACallerWaitingPastMaxWaitIsHungUpAndOverflowed) {
  ASSERT_NO_FATAL_FAILURE(Start("1000"));

  auto [status, hold] = twilio->Post("/twilio/voice", CallFields("CA300"));
  ASSERT_EQ(status, 200) << hold;
  EXPECT_NE(hold.find("<Pause"), std::string::npos) << hold;
  auto offer = testing::NextOffer(*alice);  // alice never accepts
  ASSERT_TRUE(offer.has_value());
  const std::string conversation_id = offer->conversation().id();
  const std::string hangup = PollUntil(*twilio, "CA300", "<Hangup/>");
  EXPECT_NE(hangup.find(
                "<Response><Say>Sorry, no agent is free. Please call again later.</Say><Hangup/>"),
            std::string::npos)
      << hangup;

  const auto overflowed = testing::CallReport(*admin, conversation_id, "overflowed");
  ASSERT_TRUE(overflowed.has_value());
  ASSERT_TRUE(testing::WaitFor([&] {
    return admin->Conversation(conversation_id).state() ==
           omnibroker::v1::CONVERSATION_STATE_CLOSED;
  }));
  EXPECT_EQ(admin->Conversation(conversation_id).disposition(), "call_overflowed");
  EXPECT_FALSE(alice->Accept(offer->offer_id()).ok()) << "the caller is gone";
  EXPECT_GE(std::stoll(overflowed->provider_metadata().at("call.wait_ms")), 1000);
}

TEST_F(TwilioVoiceFlowTest, AForgedSignatureIs403AndASignedNonCall400) {
  ASSERT_NO_FATAL_FAILURE(Start());

  EXPECT_EQ(twilio->Post("/twilio/voice", CallFields("CA400"), "not-the-token").first, 403);
  EXPECT_EQ(twilio->Post("/twilio/voice/wait", CallFields("CA400"), "not-the-token").first, 403);
  auto [status, why] = twilio->Post("/twilio/voice", {{"CallSid", "CA400"}, {"To", "+4930120000"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(why, "From is missing");
  auto [bad_duration, reason] = twilio->Post("/twilio/voice/dial", {{"CallSid", "CA400"},
                                                                    {"From", kCaller},
                                                                    {"DialCallStatus", "completed"},
                                                                    {"DialCallDuration", "soon"}});
  EXPECT_EQ(bad_duration, 400);
  EXPECT_NE(reason.find("DialCallDuration"), std::string::npos) << reason;
  const auto rejections = connector->Rejections();
  EXPECT_EQ(rejections.at("unauthenticated"), 2);
  EXPECT_EQ(rejections.at("malformed"), 2);
}

}  // namespace
}  // namespace omni
