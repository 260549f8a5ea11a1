// Structured logs on stderr: one JSON object per line (time, level, component, message, and the
// trace id — an event or conversation id — when there is one), or the same as plain text. Never put
// message bodies, tokens or secrets here: ids, counts, states and reasons only.
#pragma once

#include <string_view>

namespace omni {

enum class LogLevel { kInfo, kWarning, kError };
enum class LogFormat { kJson, kText };

// The process's log format (the broker's log_format setting); JSON until set. Process-wide like
// stderr itself, which every thread writes to.
void SetLogFormat(LogFormat format);

// `trace_id`: the event or conversation the line is about, "" when none.
void Log(LogLevel level, std::string_view component, std::string_view message,
         std::string_view trace_id = "");

inline void LogInfo(std::string_view component, std::string_view message,
                    std::string_view trace_id = "") {
  Log(LogLevel::kInfo, component, message, trace_id);
}
inline void LogWarning(std::string_view component, std::string_view message,
                       std::string_view trace_id = "") {
  Log(LogLevel::kWarning, component, message, trace_id);
}
inline void LogError(std::string_view component, std::string_view message,
                     std::string_view trace_id = "") {
  Log(LogLevel::kError, component, message, trace_id);
}

}  // namespace omni
