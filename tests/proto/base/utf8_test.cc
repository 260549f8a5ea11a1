// UTF-8 checks and repair: the well-formed forms protobuf accepts, the ill-formed ones it refuses
// (each replaced by one U+FFFD per maximal bad subpart), and the repair of a whole event, after
// which it survives a protobuf round trip that would fail before.
#include "base/utf8.h"

#include <gtest/gtest.h>

#include "omnibroker/v1/ingest.pb.h"

namespace omni {
namespace {

struct Case {
  std::string name;
  std::string text;
  bool valid;
  std::string repaired;  // for the invalid ones
};

TEST(Utf8Test, TellsWellFormedFromIllFormedAndRepairsEachBadSubpartOnce) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  const std::vector<Case> cases = {
      {"empty", "", true, ""},
      {"ascii", "hello", true, ""},
      {"two bytes", "caf\xC3\xA9", true, ""},
      {"three bytes", "\xE2\x82\xAC", true, ""},
      {"four bytes", "\xF0\x9F\x98\x80", true, ""},
      {"highest", "\xF4\x8F\xBF\xBF", true, ""},
      {"stray continuation", "a\x80z", false, "a" + r + "z"},
      {"bad second byte", "caf\xC3\x28", false, "caf" + r + "("},
      {"lone lead at end", "ab\xE2\x82", false, "ab" + r},
      {"overlong two", "\xC0\xAF", false, r + r},
      {"overlong three", "\xE0\x80\xAF", false, r + r + r},
      {"surrogate", "\xED\xA0\x80", false, r + r + r},
      {"above U+10FFFF", "\xF4\x90\x80\x80", false, r + r + r + r},
      {"0xFF", "x\xFFy", false, "x" + r + "y"},
      {"truncated four then ascii", "\xF0\x9F\x98z", false, r + "z"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(IsUtf8(c.text), c.valid) << c.name;
    const std::string repaired = ToUtf8(c.text);
    EXPECT_TRUE(IsUtf8(repaired)) << c.name;
    EXPECT_EQ(repaired, c.valid ? c.text : c.repaired) << c.name;
  }
}

TEST(Utf8Test, RepairsEveryStringOfAnEventSoItParsesAgain) {
  omnibroker::v1::ConnectorFrame frame;
  auto& event = *frame.mutable_event();
  event.set_id("call-\xFF");
  event.mutable_sender()->set_display_name("Jos\xE9");  // Latin-1, as a SIP display name may be
  event.mutable_content()->set_text("fine");
  (*event.mutable_provider_metadata())["sip.call_id"] = "abc\xC0";
  event.mutable_content()->add_attachments()->set_filename("r\xE9sum\xE9.pdf");

  omnibroker::v1::ConnectorFrame parsed;
  ASSERT_FALSE(parsed.ParseFromString(frame.SerializeAsString()));

  EXPECT_EQ(RepairUtf8(frame), 4);
  ASSERT_TRUE(parsed.ParseFromString(frame.SerializeAsString()));
  EXPECT_EQ(parsed.event().id(), "call-\xEF\xBF\xBD");
  EXPECT_EQ(parsed.event().sender().display_name(), "Jos\xEF\xBF\xBD");
  EXPECT_EQ(parsed.event().content().text(), "fine");
  EXPECT_EQ(parsed.event().provider_metadata().at("sip.call_id"), "abc\xEF\xBF\xBD");
  EXPECT_EQ(RepairUtf8(frame), 0);
}

TEST(Utf8Test, AppendsEachCodePointAndReplacesWhatIsNotAScalarValue) {
  std::string out;
  for (uint32_t code : {0x41u, 0xE9u, 0x20ACu, 0x1F600u, 0u, 0xD800u, 0x110000u}) {
    AppendUtf8(code, out);
  }
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsUtf8(out));
}

}  // namespace
}  // namespace omni
