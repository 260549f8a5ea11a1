#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/strings.h"

namespace omni {
namespace {

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
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
    line =
        absl::StrCat(time, " ", LevelName(level), " ", ToAbsl(component), ": ", ToAbsl(message),
                     trace_id.empty() ? "" : absl::StrCat(" [trace ", ToAbsl(trace_id), "]"), "\n");
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
