// The Twilio voice parser over every file of ../shared/corpus/twilio_voice: the signed call
// webhook (twilio-python's test vector, token 12345) verifies and becomes the call; the messaging
// webhooks in the folder are refused as not a call. Malformed forms and bad signatures too.
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
  auto ringing = CallFromForm(ParseForm("CallSid=CA9&From=%2B4915100000001&CallStatus=ringing"), TimePoint{});
  ASSERT_TRUE(ringing.ok());
  EXPECT_FALSE(ringing->provider_metadata().contains("call.outcome"));
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
                      Malformed{"empty_from", "CallSid=CA1&From=", "From is missing"}),
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
