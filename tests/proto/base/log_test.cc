// Log lines: one JSON object per line with time, level, component, message and the trace id when
// there is one, quotes and control characters escaped; or the same as one line of text.
#include "base/log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace omni
