// The SIP parser on every corpus file (RFC 4475 torture messages and sip3 captures: the valid ones
// parsed with their identity fields checked, the invalid ones rejected with the reason) and on
// malformed input.
#include "connectors/sip/sip_parser.h"

#include <gtest/gtest.h>

#include "tests/support/corpus_table.h"

namespace omni::connectors::sip {
namespace {

struct Expected {
  std::string method_or_rejection;  // the parsed method, or the rejection text ("!" prefix)
  std::string call_id = "";
};

TEST(SipParserCorpusTest, EveryFileParsesOrIsRejectedWithAReason) {
  const std::map<std::string, Expected> table = {
#include "tests/connectors/sip/sip_corpus_table.inc"
  };
  testing::CheckEveryCorpusFile("sip", table, [](const std::string&, const std::string& bytes, const Expected& want) {
    auto parsed = ParseSipRequest(bytes);
    if (want.method_or_rejection.starts_with("!")) {
      EXPECT_TRUE(testing::RejectedWith(parsed.status(), want.method_or_rejection.substr(1)));
      return;
    }
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->method, want.method_or_rejection);
    EXPECT_EQ(parsed->call_id, want.call_id);
  });
}

constexpr std::string_view kInvite =
    "INVITE sip:support@pbx.example SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:support@pbx.example>\r\n"
    "From: \"Ann\" <sip:+4915100000001@carrier.example>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@10.0.0.1\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:ann@10.0.0.1>\r\n"
    "%s"
    "Content-Length: 0\r\n\r\n";

std::string Invite(const std::string& extra_headers) {
  std::string s(kInvite);
  s.replace(s.find("%s"), 2, extra_headers);
  return s;
}

TEST(SipParserTest, AnInviteBecomesAVoiceCall) {
  auto invite = ParseSipRequest(Invite("Diversion: <sip:+4930111@carrier.example>;reason=no-answer\r\n"));
  ASSERT_TRUE(invite.ok()) << invite.status();
  EXPECT_EQ(invite->caller, "sip:+4915100000001@carrier.example");
  EXPECT_EQ(invite->dialed, "support");
  EXPECT_EQ(invite->diverted_from, "sip:+4930111@carrier.example");
  const auto event = CallEvent(*invite, TimePoint{});
  EXPECT_EQ(event.id(), "sip:a84b4c76e66710@10.0.0.1:1928301774");
  EXPECT_EQ(event.thread_key(), "a84b4c76e66710@10.0.0.1");
  EXPECT_EQ(event.channel(), omnibroker::v1::CHANNEL_VOICE);
  EXPECT_EQ(event.kind(), omnibroker::v1::EVENT_KIND_CALL);
  EXPECT_EQ(event.sender().handle(), "sip:+4915100000001@carrier.example");
  EXPECT_EQ(event.sender().display_name(), "Ann");
}

TEST(SipParserTest, AssertedIdentityWinsAndPrivacyHidesIt) {
  auto asserted = ParseSipRequest(Invite("P-Asserted-Identity: <sip:+4915199999999@carrier.example>\r\n"));
  ASSERT_TRUE(asserted.ok()) << asserted.status();
  EXPECT_EQ(asserted->caller, "sip:+4915199999999@carrier.example");
  auto hidden = ParseSipRequest(
      Invite("P-Asserted-Identity: <sip:+4915199999999@carrier.example>\r\nPrivacy: id\r\n"
             "X-Caller-Account: +4915199999999\r\n"));
  ASSERT_TRUE(hidden.ok()) << hidden.status();
  const auto event = CallEvent(*hidden, TimePoint{});
  EXPECT_EQ(event.sender().handle(), "anonymous");
  EXPECT_EQ(event.sender().display_name(), "");
  EXPECT_EQ(event.content().text().find("4915"), std::string::npos) << "no handle leaked";
  for (const auto& [key, value] : event.provider_metadata()) {
    EXPECT_EQ(value.find("4915"), std::string::npos) << key << " leaks the hidden caller";
  }
  EXPECT_FALSE(event.provider_metadata().contains("sip.header.x-caller-account"));
}

// Callers' names come from phone books in any encoding: a display name in Latin-1, in UTF-8
// without quotes (RFC 3261 wants tokens or a quoted string) or with stray bytes, and bytes that
// are not UTF-8 in a Call-ID, still make a call (ASCII that is no token, as in RFC 4475's baddn,
// is still refused: see the corpus). The bytes are kept as they came: the connector
// SDK makes an event's text valid UTF-8 when it publishes it.
struct OddBytes {
  std::string name;
  std::string from;     // the From header's value
  std::string call_id;  // the Call-ID header's value
  std::string display_name;
};

class SipOddBytesTest : public ::testing::TestWithParam<OddBytes> {};

TEST_P(SipOddBytesTest, StillMakeACall) {
  std::string invite = Invite("");
  invite.replace(invite.find("\"Ann\" <sip:+4915100000001@carrier.example>;tag=1928301774"),
                 std::string_view("\"Ann\" <sip:+4915100000001@carrier.example>;tag=1928301774").size(),
                 GetParam().from);
  invite.replace(invite.find("a84b4c76e66710@10.0.0.1"), std::string_view("a84b4c76e66710@10.0.0.1").size(),
                 GetParam().call_id);
  auto parsed = ParseSipRequest(invite);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->caller, "sip:+4915100000001@carrier.example");
  EXPECT_EQ(parsed->caller_name, GetParam().display_name);
  EXPECT_EQ(parsed->call_id, GetParam().call_id);
  const auto event = CallEvent(*parsed, TimePoint{});
  EXPECT_EQ(event.sender().display_name(), GetParam().display_name);
  EXPECT_EQ(event.thread_key(), GetParam().call_id);
  EXPECT_EQ(event.id(), "sip:" + GetParam().call_id + ":1928301774");
  EXPECT_NE(parsed->from_header.find("<sip:+4915100000001@carrier.example>;tag=1928301774"), std::string::npos)
      << "a response copies the From: " << parsed->from_header;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SipOddBytesTest,
    ::testing::Values(
        OddBytes{"latin1_quoted", "\"Jos\xe9 M\xfcller\" <sip:+4915100000001@carrier.example>;tag=1928301774",
                 "a84b4c76e66710@10.0.0.1", "Jos\xe9 M\xfcller"},
        OddBytes{"latin1_unquoted", "Jos\xe9 M\xfcller <sip:+4915100000001@carrier.example>;tag=1928301774",
                 "a84b4c76e66710@10.0.0.1", "Jos\xe9 M\xfcller"},
        OddBytes{"utf8_unquoted", "Jos\xc3\xa9 <sip:+4915100000001@carrier.example>;tag=1928301774",
                 "a84b4c76e66710@10.0.0.1", "Jos\xc3\xa9"},
        OddBytes{"stray_bytes", "Ann \xff\xfe\x80 <sip:+4915100000001@carrier.example>;tag=1928301774",
                 "a84b4c76e66710@10.0.0.1", "Ann \xff\xfe\x80"},
        OddBytes{"call_id_not_utf8", "\"Ann\" <sip:+4915100000001@carrier.example>;tag=1928301774",
                 "a8\xff\xc3(@10.0.0.1", "Ann"}),
    [](const auto& info) { return info.param.name; });

// osip2 prints its own errors to stdout; a flood of malformed messages must not flood the
// console: the status says what was wrong, and the connector logs it throttled.
TEST(SipParserTest, MalformedInputPrintsNothing) {
  ::testing::internal::CaptureStdout();
  EXPECT_FALSE(ParseSipRequest("hello\r\n\r\n").ok());
  EXPECT_FALSE(ParseSipRequest(Invite("To: , <sip:x>\r\n")).ok());
  fflush(stdout);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
}

struct Malformed {
  std::string name;
  std::string bytes;
  std::string why;
};

class SipMalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(SipMalformedTest, IsRejectedWithTheReason) {
  EXPECT_TRUE(testing::RejectedWith(ParseSipRequest(GetParam().bytes).status(), GetParam().why));
}

std::string Without(const std::string& header) {
  std::string s = Invite("");
  const size_t at = s.find(header);
  s.erase(at, s.find("\r\n", at) + 2 - at);
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SipMalformedTest,
    ::testing::Values(Malformed{"empty", "", "empty message"},
                      Malformed{"garbage", "hello\r\n\r\n", "not a well-formed"},
                      Malformed{"response", "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n", "a response"},
                      Malformed{"no_call_id", Without("Call-ID:"), "sip.call_id"},
                      Malformed{"no_from", Without("From:"), "sip.from"},
                      Malformed{"no_cseq", Without("CSeq:"), "sip.cseq"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace omni::connectors::sip
