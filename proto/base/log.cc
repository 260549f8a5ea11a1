#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/strings.h"
#include "base/terminal_text.h"

namespace omni {
namespace {

// A JSON string's inside: quotes and backslashes escaped here, the rest by ForTerminal, whose
// escapes are JSON's (so broken UTF-8, a newline that would forge a line, and terminal controls
// that a `tail -f` would obey all come out as escapes).
std::string JsonEscape(std::string_view s) {
  std::string quoted;
  quoted.reserve(s.size());
  for (const char c : s) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return ForTerminal(quoted);
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// The format, read on every line; relaxed is enough (set once at start).
std::atomic<LogFormat>& Format() {
  static std::atomic<LogFormat> format{LogFormat::kJson};
  return format;
}

}  // namespace

void SetLogFormat(LogFormat format) { Format().store(format, std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view component, std::string_view message,
         std::string_view trace_id) {
  static std::mutex mu;
  const std::string time = absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone());
  std::string line;
  if (Format().load(std::memory_order_relaxed) == LogFormat::kText) {
    // One line each, whatever the message holds (ForTerminal escapes its newlines and controls).
    line = absl::StrCat(time, " ", LevelName(level), " ", ForTerminal(component), ": ",
                        ForTerminal(message),
                        trace_id.empty() ? "" : absl::StrCat(" [trace ", ForTerminal(trace_id), "]"),
                        "\n");
  } else {
    line = absl::StrCat(
        "{\"ts\":\"", time, "\",\"level\":\"", LevelName(level), "\",\"component\":\"",
        JsonEscape(component), "\",\"msg\":\"", JsonEscape(message), "\"",
        trace_id.empty() ? "" : absl::StrCat(",\"trace_id\":\"", JsonEscape(trace_id), "\""),
        "}\n");
  }
  std::lock_guard lock(mu);
  std::fputs(line.c_str(), stderr);
}

}  // namespace omni
