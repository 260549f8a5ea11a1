#include "connectors/webchat/redact.h"

namespace omni::connectors::webchat {
namespace {

// A field whose value may be logged: a known name with a value of its expected shape (a number,
// agent or all), so even a secret pasted in its place is kept out.
bool IsHarmless(std::string_view name, std::string_view value) {
  if (name == "from") return value == "agent" || value == "all";
  if (name != "after" && name != "wait") return false;
  return value.size() <= 20 && value.find_first_not_of("0123456789") == std::string_view::npos;
}
// A field whose name may be logged, never its value.
bool NameIsKnown(std::string_view name) {
  return name == "token" || name == "ticket" || name == "after" || name == "wait" || name == "from";
}

}  // namespace

std::string RedactedTarget(std::string_view target) {
  const size_t query_start = target.find('?');
  if (query_start == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, query_start + 1));
  std::string_view query = target.substr(query_start + 1);
  while (true) {
    const size_t end = query.find('&');
    const std::string_view field = query.substr(0, end);
    const size_t eq = field.find('=');
    const std::string_view name = field.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? "" : field.substr(eq + 1);
    if (eq != std::string_view::npos && IsHarmless(name, value)) {
      out.append(field);
    } else if (NameIsKnown(name)) {
      out.append(name).append("=REDACTED");
    } else {
      out.append("REDACTED");  // an unknown name may be a pasted secret itself
    }
    if (end == std::string_view::npos) return out;
    out.append("&");
    query.remove_prefix(end + 1);
  }
}

}  // namespace omni::connectors::webchat
