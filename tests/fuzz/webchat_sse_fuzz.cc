// libFuzzer target: the web chat stream's framing (SseEvent) and its Last-Event-ID reader on
// arbitrary bytes. Promises: a frame is "id: N\n", then only "data: " lines with no CR or LF
// inside, then one blank line; ResumeIndex accepts exactly the decimal numbers it gives back.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/webchat/sse.h"
#include "tests/fuzz/fuzz_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string frame = omni::connectors::webchat::SseEvent(size, input);
  const std::string head = "id: " + std::to_string(size) + "\n";
  omni::fuzz::Require(frame.compare(0, head.size(), head) == 0);
  omni::fuzz::Require(frame.size() >= head.size() + 2 && frame.substr(frame.size() - 2) == "\n\n");
  std::string_view rest = std::string_view(frame).substr(head.size(), frame.size() - head.size() - 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    omni::fuzz::Require(end != std::string_view::npos);
    const std::string_view line = rest.substr(0, end);
    omni::fuzz::Require(line.substr(0, 6) == "data: " && line.find('\r') == std::string_view::npos);
    rest.remove_prefix(end + 1);
  }
  auto index = omni::connectors::webchat::ResumeIndex(input);
  if (index.ok() && !input.empty()) {
    omni::fuzz::Require(std::to_string(*index).size() <= input.size());
  }
  return 0;
}
