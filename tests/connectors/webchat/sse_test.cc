#include "connectors/webchat/sse.h"

#include <gtest/gtest.h>

namespace omni::connectors::webchat {
namespace {

TEST(SseTest, EventCarriesTheIndexAsId) {
  EXPECT_EQ(SseEvent(7, R"({"text":"hi"})"), "id: 7\ndata: {\"text\":\"hi\"}\n\n");
}

TEST(SseTest, EveryLineGetsItsOwnDataField) {
  EXPECT_EQ(SseEvent(1, "a\r\nb\nc"), "id: 1\ndata: a\ndata: b\ndata: c\n\n");
  EXPECT_EQ(SseEvent(2, "a\rb\n\rc"), "id: 2\ndata: a\ndata: b\ndata: \ndata: c\n\n");
}

TEST(SseTest, ResumeIndexFromLastEventId) {
  EXPECT_EQ(*ResumeIndex(""), 0u);
  EXPECT_EQ(*ResumeIndex("42"), 42u);
  auto bad = ResumeIndex("x1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Last-Event-ID must be a non-negative integer");
}

}  // namespace
}  // namespace omni::connectors::webchat
