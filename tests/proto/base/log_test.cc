// Log lines: one JSON object per line with time, level, component, message and the trace id when
// there is one, quotes and control characters escaped; or the same as one line of text.
#include "base/log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace omni {
namespace {

TEST(LogTest, JsonLinesCarryTheTraceId) {
  ::testing::internal::CaptureStderr();
  LogWarning("routing", "SLA breach: \"first_response\"\nheld by alice", "c_123");
  LogInfo("broker", "started");
  const std::string out = ::testing::internal::GetCapturedStderr();
  const size_t newline = out.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const auto first = nlohmann::json::parse(out.substr(0, newline));
  EXPECT_EQ(first["level"], "warning");
  EXPECT_EQ(first["component"], "routing");
  EXPECT_EQ(first["msg"], "SLA breach: \"first_response\"\nheld by alice");
  EXPECT_EQ(first["trace_id"], "c_123");
  EXPECT_TRUE(first["ts"].get<std::string>().ends_with("+00:00")) << "UTC: " << first["ts"];
  const auto second = nlohmann::json::parse(out.substr(newline + 1));
  EXPECT_FALSE(second.contains("trace_id")) << "no trace id, no field";
}

TEST(LogTest, TextLines) {
  SetLogFormat(LogFormat::kText);
  ::testing::internal::CaptureStderr();
  LogError("delivery", "provider refused the reply: 403", "e_9");
  const std::string out = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kJson);
  EXPECT_NE(out.find(" error delivery: provider refused the reply: 403 [trace e_9]\n"), std::string::npos) << out;
  EXPECT_EQ(out.find('{'), std::string::npos) << out;
}

// A message carrying what a customer wrote cannot forge a log line, break the JSON or act on the
// terminal of whoever tails the log (before: a text line took a newline and ESC raw, and a JSON
// line took DEL, C1 controls and bytes that are not UTF-8, which no JSON parser reads).
TEST(LogTest, NothingInAMessageForgesALineOrActsOnATerminal) {
  const std::string hostile = "a\n2026-12-06T00:00:00Z error broker: forged\x1b[2J\x7f\xc2\x9b\xff";
  ::testing::internal::CaptureStderr();
  LogWarning("webhook", hostile);
  const std::string json_line = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kText);
  ::testing::internal::CaptureStderr();
  LogWarning("webhook", hostile);
  const std::string text_line = ::testing::internal::GetCapturedStderr();
  SetLogFormat(LogFormat::kJson);

  const auto parsed = nlohmann::json::parse(json_line);
  EXPECT_EQ(parsed["msg"], "a\n2026-12-06T00:00:00Z error broker: forged\x1b[2J\x7f\xc2\x9b\xef\xbf\xbd");
  for (const std::string& line : {json_line, text_line}) {
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    EXPECT_EQ(line.find('\x7f'), std::string::npos) << line;
    EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos) << line;
  }
  EXPECT_NE(text_line.find("webhook: a\\n2026-12-06T00:00:00Z error broker: forged\\u001b[2J"),
            std::string::npos)
      << text_line;
}

}  // namespace
}  // namespace omni
