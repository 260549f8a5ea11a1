// TwiML answers by the events of a request: wait (hold message only on the first answer), <Dial>
// to a SIP or tel: contact, overflow, hang-up after the Dial, empty for a status callback; and
// everything put into the XML escaped.
#include "connectors/twilio_voice/twiml.h"

#include <gtest/gtest.h>

namespace omni::connectors::twilio_voice {
namespace {

using omnibroker::v1::Event;

constexpr char kProlog[] = R"(<?xml version="1.0" encoding="UTF-8"?>)";

TwimlSettings Settings() {
  return TwimlSettings{.wait_url = "https://cc.example.test/twilio/voice/wait?a=1&b=2",
                       .dial_action_url = "https://cc.example.test/twilio/voice/dial",
                       .pause_seconds = 3,
                       .hold_message = "Please hold, \"Support\" & <Sales> are busy",
                       .overflow_message = "Sorry, call again"};
}

Event WithOutcome(const std::string& outcome, const std::string& redirect_to = "") {
  Event e;
  e.set_id("twilio_voice:CA1");
  if (!outcome.empty()) (*e.mutable_provider_metadata())["call.outcome"] = outcome;
  if (!redirect_to.empty()) (*e.mutable_provider_metadata())["call.redirect_to"] = redirect_to;
  return e;
}

TEST(TwimlTest, AWaitingCallerHearsTheHoldMessageOnceThenPausesAndPollsTheWaitUrl) {
  const std::vector<Event> call{WithOutcome("")};
  EXPECT_EQ(TwimlFor(call, true, Settings()),
            std::string(kProlog) +
                "<Response><Say>Please hold, &quot;Support&quot; &amp; &lt;Sales&gt; are busy</Say>"
                "<Pause length=\"3\"/><Redirect method=\"POST\">"
                "https://cc.example.test/twilio/voice/wait?a=1&amp;b=2</Redirect></Response>");
  EXPECT_EQ(TwimlFor(call, false, Settings()),
            std::string(kProlog) +
                "<Response><Pause length=\"3\"/><Redirect method=\"POST\">"
                "https://cc.example.test/twilio/voice/wait?a=1&amp;b=2</Redirect></Response>");
}

TEST(TwimlTest, APutThroughCallIsDialedToTheAgentsContact) {
  EXPECT_EQ(TwimlFor({WithOutcome(""), WithOutcome("answered", "sip:alice@10.0.0.7:5062;x=<1>&y")},
                     false, Settings()),
            std::string(kProlog) +
                "<Response><Dial action=\"https://cc.example.test/twilio/voice/dial\" "
                "method=\"POST\"><Sip>sip:alice@10.0.0.7:5062;x=&lt;1&gt;&amp;y</Sip></Dial>"
                "</Response>");
  EXPECT_EQ(TwimlFor({WithOutcome("answered", "tel:+4930123'4")}, false, Settings()),
            std::string(kProlog) +
                "<Response><Dial action=\"https://cc.example.test/twilio/voice/dial\" "
                "method=\"POST\"><Number>+4930123&apos;4</Number></Dial></Response>");
}

TEST(TwimlTest, OverflowCompletedAndStatusCallbacks) {
  EXPECT_EQ(TwimlFor({WithOutcome(""), WithOutcome("overflowed")}, false, Settings()),
            std::string(kProlog) + "<Response><Say>Sorry, call again</Say><Hangup/></Response>");
  TwimlSettings silent = Settings();
  silent.overflow_message.clear();
  EXPECT_EQ(TwimlFor({WithOutcome("overflowed")}, false, silent),
            std::string(kProlog) + "<Response><Hangup/></Response>");
  EXPECT_EQ(TwimlFor({WithOutcome("completed")}, false, Settings()),
            std::string(kProlog) + "<Response><Hangup/></Response>");
  EXPECT_EQ(TwimlFor({WithOutcome("abandoned")}, true, Settings()),
            std::string(kProlog) + "<Response/>");
  EXPECT_EQ(TwimlFor({}, true, Settings()), std::string(kProlog) + "<Response/>");
}

TEST(TwimlTest, XmlEscapeDropsWhatXmlCannotCarry) {
  EXPECT_EQ(XmlEscape("a\x01\x1f"
                      "b\tc\nd\re"),
            "ab\tc\nd\re");
  EXPECT_EQ(XmlEscape("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;");
  EXPECT_EQ(XmlEscape("Grüße"), "Grüße");
}

}  // namespace
}  // namespace omni::connectors::twilio_voice
