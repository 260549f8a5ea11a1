#include "connectors/webchat/redact.h"

#include <gtest/gtest.h>

namespace omni::connectors::webchat {
namespace {

TEST(RedactedTargetTest, KeepsThePathAndOnlyHarmlessValues) {
  const std::pair<std::string, std::string> cases[] = {
      {"/v1/stream", "/v1/stream"},
      {"/v1/stream?ticket=0123abcd", "/v1/stream?ticket=REDACTED"},
      {"/v1/stream?token=v_1.2.abc&after=3", "/v1/stream?token=REDACTED&after=3"},
      {"/v1/messages?after=12&wait=25&from=all", "/v1/messages?after=12&wait=25&from=all"},
      // A known name with a value of another shape may be a pasted secret.
      {"/v1/messages?after=v_1.2.abc&from=v_1.2.abc", "/v1/messages?after=REDACTED&from=REDACTED"},
      {"/v1/messages?wait=" + std::string(21, '9'), "/v1/messages?wait=REDACTED"},
      // Unknown names, bare names and encodings go whole.
      {"/v1/stream?v_1.2.abc", "/v1/stream?REDACTED"},
      {"/v1/stream?secret=x&%74oken=y", "/v1/stream?REDACTED&REDACTED"},
      {"/v1/stream?after", "/v1/stream?after=REDACTED"},
      // Empty and odd queries.
      {"/v1/stream?", "/v1/stream?REDACTED"},
      {"/v1/stream?&&", "/v1/stream?REDACTED&REDACTED&REDACTED"},
      {"/v1/stream?=x", "/v1/stream?REDACTED"},
      {"/v1/stream?ticket=", "/v1/stream?ticket=REDACTED"},
      {"", ""},
  };
  for (const auto& [target, logged] : cases) EXPECT_EQ(RedactedTarget(target), logged) << target;
}

}  // namespace
}  // namespace omni::connectors::webchat
