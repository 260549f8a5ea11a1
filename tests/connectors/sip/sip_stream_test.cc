// TCP framing finds whole messages, and a stream never holds more than the max message size: a
// message whose headers or Content-Length go past it ends the stream with the reason.
#include "connectors/sip/sip_stream.h"

#include <gtest/gtest.h>

namespace omni::connectors::sip {
namespace {

// Whether `status` says the message is too large, and `why`.
::testing::AssertionResult TooLarge(const absl::Status& status, std::string_view why) {
  if (status.code() == absl::StatusCode::kResourceExhausted &&
      std::string(status.message()).find(why) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << status << " is not RESOURCE_EXHAUSTED with '" << why << "'";
}

std::optional<std::string> NextBytes(SipStream& stream) {
  auto message = stream.Next();
  if (!message.has_value()) return std::nullopt;
  EXPECT_TRUE(message->status.ok()) << message->status;
  return message->bytes;
}

TEST(SipStreamTest, FramesByBlankLineAndContentLength) {
  SipStream stream;
  stream.Append(
      "\r\n\r\nOPTIONS sip:a SIP/2.0\r\nl: 3\r\n\r\nabcINVITE sip:b SIP/2.0\r\nContent-Length: "
      "5\r\n\r\nab");
  EXPECT_EQ(NextBytes(stream), "OPTIONS sip:a SIP/2.0\r\nl: 3\r\n\r\nabc");
  EXPECT_EQ(NextBytes(stream), std::nullopt) << "the body is not all there yet";
  stream.Append("cde");
  EXPECT_EQ(NextBytes(stream), "INVITE sip:b SIP/2.0\r\nContent-Length: 5\r\n\r\nabcde");
  EXPECT_EQ(stream.buffered(), 0u);
}

TEST(SipStreamTest, FindsABlankLineSplitAcrossAppends) {
  SipStream stream;
  const std::string message = "OPTIONS sip:a SIP/2.0\r\nCall-ID: x\r\n\r\n";
  for (const char c : message) {
    EXPECT_EQ(NextBytes(stream), std::nullopt);
    stream.Append(std::string(1, c));
  }
  EXPECT_EQ(NextBytes(stream), message);
}

TEST(SipStreamTest, HeadersLongerThanTheMaxEndTheStream) {
  SipStream stream(1024);
  stream.Append("OPTIONS sip:a SIP/2.0\r\nX-Long: ");
  while (stream.room() > 0) {
    EXPECT_EQ(NextBytes(stream), std::nullopt);
    stream.Append(std::string(100, 'a'));
  }
  EXPECT_EQ(stream.buffered(), 1024u) << "what does not fit is not taken";
  auto message = stream.Next();
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(TooLarge(message->status, "headers longer than 1024 bytes"));
  EXPECT_EQ(message->bytes, "");
  stream.Append("\r\n\r\n");
  EXPECT_EQ(stream.Next(), std::nullopt) << "nothing after it can be framed";
}

TEST(SipStreamTest, AContentLengthPastTheMaxEndsTheStreamWithTheHeaders) {
  SipStream stream(1024);
  const std::string head = "INVITE sip:b SIP/2.0\r\nContent-Length: 1000\r\n\r\n";
  stream.Append(head + "v=0\r\n");
  auto message = stream.Next();
  ASSERT_TRUE(message.has_value());
  EXPECT_TRUE(TooLarge(message->status, "Content-Length 1000 makes the message longer than 1024"));
  EXPECT_EQ(message->bytes, head) << "enough to answer 513";

  SipStream absurd;
  absurd.Append("INVITE sip:b SIP/2.0\r\nl: 99999999999999999999999\r\n\r\n");
  message = absurd.Next();
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(message->status.code(), absl::StatusCode::kResourceExhausted);
}

TEST(SipStreamTest, AMessageOfExactlyTheMaxIsTaken) {
  const std::string head = "INVITE sip:b SIP/2.0\r\nContent-Length: 10\r\n\r\n";
  SipStream stream(head.size() + 10);
  stream.Append(head + "0123456789OPTIONS");
  EXPECT_EQ(NextBytes(stream), head + "0123456789");
  EXPECT_EQ(stream.buffered(), 0u) << "bytes past the room were not taken";
}

}  // namespace
}  // namespace omni::connectors::sip
