// The Twilio voice parser over every file of tests/corpus/twilio_voice: the signed call
// webhook (twilio-python's test vector, token 12345) verifies and becomes the call; the messaging
// webhooks in the folder are refused as not a call. Malformed forms and bad signatures too; the
// status callback's abandoned report, the <Dial action>'s completed report with the talk duration
// and the connector's answered/overflowed reports.
#include <gtest/gtest.h>

#include <map>

#include "connectors/twilio_voice/twilio_voice_parser.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::twilio_voice {
namespace {

constexpr char kToken[] = "12345";
constexpr char kPublicBase[] = "https://mycompany.com";

// A raw HTTP request file → the request the webhook endpoint would see.
InboundRequest FromHttpFile(const std::string& bytes) {
  InboundRequest request;
  const size_t head_end = bytes.find("\r\n\r\n");
  const std::string head = bytes.substr(0, head_end);
  request.body = bytes.substr(head_end + 4);
  size_t line_end = head.find("\r\n");
  const std::string start = head.substr(0, line_end);
  request.method = start.substr(0, start.find(' '));
  request.path = start.substr(start.find(' ') + 1, start.rfind(' ') - start.find(' ') - 1);
  while (line_end != std::string::npos && line_end < head.size()) {
    const size_t next = head.find("\r\n", line_end + 2);
    const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    line_end = next;
  }
  return request;
}

TEST(TwilioVoiceCorpusTest, EveryFileIsACallOrRefusedWithAReason) {
  const std::string not_a_call = "!CallSid is missing: not a voice call webhook";
  const std::map<std::string, std::string> table = {
      {"twilio_voice_gather_signed.http", "CA1234567890ABCDE"},
      {"courier/extracted/receiveBase64.form", not_a_call},
      {"courier/extracted/receiveMedia.form", not_a_call},
      {"courier/extracted/receiveMediaWithMsg.form", not_a_call},
      {"courier/extracted/receiveValid.form", not_a_call},
      {"courier/extracted/statusRateLimit.form", not_a_call},
      {"courier/extracted/statusRead.form", not_a_call},
      {"courier/extracted/statusStop.form", not_a_call},
      {"courier/extracted/tmsReceiveExtra.form", not_a_call},
      {"courier/extracted/tmsStatusExtra.form", not_a_call},
      {"courier/extracted/waReceiveBSUIDInvalid.form", not_a_call},
      {"courier/extracted/waReceiveButtonValid.form", not_a_call},
      {"courier/extracted/waReceiveFromBSUID.form", not_a_call},
      {"courier/extracted/waReceivePrefixlessURN.form", not_a_call},
  };
  testing::CheckEveryCorpusFile("twilio_voice", table, [](const std::string& name, const std::string& bytes,
                                                          const std::string& want) {
    if (want.starts_with("!")) {  // unsigned message bodies: the parse alone refuses them
      EXPECT_TRUE(testing::RejectedWith(CallFromForm(ParseForm(bytes), TimePoint{}).status(), want.substr(1)));
      return;
    }
    auto events = NormalizeTwilioVoice(kToken, kPublicBase, FromHttpFile(bytes), TimePoint{});
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->size(), 1u);
    const auto& call = events->front();
    EXPECT_EQ(call.thread_key(), want);
    EXPECT_EQ(call.id(), "twilio_voice:" + want);
    EXPECT_EQ(call.channel(), omnibroker::v1::CHANNEL_VOICE);
    EXPECT_EQ(call.kind(), omnibroker::v1::EVENT_KIND_CALL);
    EXPECT_EQ(call.sender().handle(), "+14158675309");
    EXPECT_EQ(call.provider_metadata().at("twilio.to"), "+18005551212");
  });
}

TEST(TwilioVoiceParserTest, AForgedOrMissingSignatureIsRefused) {
  InboundRequest request = FromHttpFile(
      testing::ReadFile(testing::CorpusDir() / "twilio_voice" / "twilio_voice_gather_signed.http"));
  EXPECT_EQ(NormalizeTwilioVoice("other-token", kPublicBase, request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(NormalizeTwilioVoice(kToken, "https://proxy.internal", request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated)
      << "the signature covers the public URL";
  request.body += "&Extra=1";
  EXPECT_EQ(NormalizeTwilioVoice(kToken, kPublicBase, request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated);
  request.headers.clear();
  EXPECT_EQ(NormalizeTwilioVoice(kToken, kPublicBase, request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(TwilioVoiceParserTest, AStatusCallbackBeforeAnswerIsTheAbandonedReport) {
  auto report = CallFromForm(ParseForm("CallSid=CA9&From=%2B4915100000001&To=%2B4930123&CallStatus=no-answer"), TimePoint{});
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->id(), "twilio_voice:CA9:abandoned");
  EXPECT_EQ(report->thread_key(), "CA9");
  EXPECT_EQ(report->provider_metadata().at("call.outcome"), "abandoned");
  EXPECT_EQ(report->content().text(), "Call from +4915100000001 abandoned (no-answer)");
  auto waited = CallFromForm(
      ParseForm("CallSid=CA9&From=%2B49151&CallStatus=completed&CallDuration=17"), TimePoint{});
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->provider_metadata().at("call.outcome"), "abandoned");
  EXPECT_EQ(waited->provider_metadata().at("call.wait_ms"), "17000");
  auto ringing = CallFromForm(ParseForm("CallSid=CA9&From=%2B4915100000001&CallStatus=ringing"), TimePoint{});
  ASSERT_TRUE(ringing.ok());
  EXPECT_FALSE(ringing->provider_metadata().contains("call.outcome"));
}

TEST(TwilioVoiceParserTest, TheDialActionIsTheCompletedReportWithTheTalkDuration) {
  auto talked =
      CallFromForm(ParseForm("CallSid=CA7&From=%2B49151&CallStatus=in-progress"
                             "&DialCallStatus=completed&DialCallSid=CA8&DialCallDuration=42"),
                   TimePoint{});
  ASSERT_TRUE(talked.ok()) << talked.status();
  EXPECT_EQ(talked->id(), "twilio_voice:CA7:completed");
  EXPECT_EQ(talked->thread_key(), "CA7");
  EXPECT_EQ(talked->provider_metadata().at("call.outcome"), "completed");
  EXPECT_EQ(talked->provider_metadata().at("call.talk_ms"), "42000");
  EXPECT_EQ(talked->provider_metadata().at("twilio.dial_call_status"), "completed");
  EXPECT_EQ(talked->content().text(), "Call from +49151 talked 42 s with the agent");
  auto missed =
      CallFromForm(ParseForm("CallSid=CA7&From=%2B49151&DialCallStatus=no-answer"), TimePoint{});
  ASSERT_TRUE(missed.ok()) << missed.status();
  EXPECT_EQ(missed->provider_metadata().at("call.talk_ms"), "0");
  EXPECT_EQ(missed->content().text(),
            "Call from +49151 not answered on the agent's side (no-answer)");
}

TEST(TwilioVoiceParserTest, TheConnectorsReportsKeepTheCallAndSayHowLongItWaited) {
  auto call = CallFromForm(ParseForm("CallSid=CA5&From=%2B49151&To=%2B4930"), TimePoint{});
  ASSERT_TRUE(call.ok()) << call.status();
  const auto answered =
      CallReport(*call, "answered", std::chrono::milliseconds(4600), "sip:alice@pbx");
  EXPECT_EQ(answered.id(), "twilio_voice:CA5:answered");
  EXPECT_EQ(answered.thread_key(), "CA5");
  EXPECT_EQ(answered.provider_metadata().at("call.outcome"), "answered");
  EXPECT_EQ(answered.provider_metadata().at("call.redirect_to"), "sip:alice@pbx");
  EXPECT_EQ(answered.provider_metadata().at("call.wait_ms"), "4600");
  EXPECT_EQ(answered.provider_metadata().at("twilio.to"), "+4930");
  EXPECT_EQ(answered.content().text(), "Call from +49151 put through to sip:alice@pbx after 5 s");
  const auto overflowed = CallReport(*call, "overflowed", std::chrono::milliseconds(120000));
  EXPECT_EQ(overflowed.id(), "twilio_voice:CA5:overflowed");
  EXPECT_FALSE(overflowed.provider_metadata().contains("call.redirect_to"));
  EXPECT_EQ(overflowed.content().text(), "Call from +49151 overflowed after 120 s");
}

struct Malformed {
  std::string name, body, why;
};

class TwilioVoiceMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(TwilioVoiceMalformedTest, IsRejectedWithTheReason) {
  EXPECT_TRUE(testing::RejectedWith(CallFromForm(ParseForm(GetParam().body), TimePoint{}).status(), GetParam().why));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, TwilioVoiceMalformedTest,
    ::testing::Values(Malformed{"empty", "", "CallSid is missing"},
                      Malformed{"garbage", "\x01\x02%zz&&==", "CallSid is missing"},
                      Malformed{"empty_call_sid", "CallSid=&From=%2B1", "CallSid is missing"},
                      Malformed{"no_from", "CallSid=CA1&To=%2B1", "From is missing"},
                      Malformed{"empty_from", "CallSid=CA1&From=", "From is missing"},
                      Malformed{"talk_not_a_number",
                                "CallSid=CA1&From=1&DialCallStatus=completed&DialCallDuration=4x",
                                "DialCallDuration is not a whole number of seconds: '4x'"},
                      Malformed{"negative_talk",
                                "CallSid=CA1&From=1&DialCallStatus=completed&DialCallDuration=-1",
                                "DialCallDuration is not a whole number of seconds"},
                      Malformed{"wait_not_a_number",
                                "CallSid=CA1&From=1&CallStatus=busy&CallDuration=%00",
                                "CallDuration is not a whole number of seconds"}),
    [](const auto& info) { return info.param.name; });

TEST(TwilioVoiceParserTest, FormDecodingKeepsOrderAndABadEscape) {
  const FormFields fields = ParseForm("a=1+2&b=%2B3&c=%zz&d&=e");
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[0], (std::pair<std::string, std::string>{"a", "1 2"}));
  EXPECT_EQ(fields[1].second, "+3");
  EXPECT_EQ(fields[2].second, "%zz");
  EXPECT_EQ(fields[3], (std::pair<std::string, std::string>{"d", ""}));
  EXPECT_EQ(fields[4], (std::pair<std::string, std::string>{"", "e"}));
}

}  // namespace
}  // namespace omni::connectors::twilio_voice
