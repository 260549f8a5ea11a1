// libFuzzer entry for the Mastodon parser: any bytes, as a notification, a poll page, a streaming
// message or an SSE chunk, must yield events or an error, never a crash. Built by the lead's
// clang/libFuzzer setup.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "connectors/mastodon/mastodon_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const omni::TimePoint now{};
  (void)omni::connectors::mastodon::ParseBody(body, "mastodon.social", now);
  (void)omni::connectors::mastodon::ParseNotificationPage(body, "mastodon.social", now);
  (void)omni::connectors::mastodon::HtmlToText(body);
  return 0;
}
