// libFuzzer target: the Mastodon parser (a notification, a poll page, a streaming message, an SSE
// chunk) and its HTML-to-text on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "connectors/mastodon/mastodon_parser.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kHost = "mastodon.social";
  omni::fuzz::CheckParsed(omni::connectors::mastodon::ParseBody(body, kHost, omni::TimePoint{}));
  auto page = omni::connectors::mastodon::ParseNotificationPage(body, kHost, omni::TimePoint{});
  if (page.ok()) {
    for (const auto& event : page->events) omni::fuzz::CheckEvent(event);
  }
  (void)omni::connectors::mastodon::HtmlToText(body);
  return 0;
}
