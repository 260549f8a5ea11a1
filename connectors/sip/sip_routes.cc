// Route settings: space-separated key=value parts, skills as a comma list of skill:level.
#include "connectors/sip/sip_routes.h"

#include <cstdlib>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace omni::connectors::sip {
namespace {

constexpr char kPrefix[] = "route.";

bool ReadInt(const std::string& text, int min, int max, int& out) {
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value < min || value > max) return false;
  out = static_cast<int>(value);
  return true;
}

absl::Status ReadSkills(const std::string& key, const std::string& list, omnibroker::v1::RoutingHints& hints) {
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t colon = item.find(':');
    int level = 0;
    if (colon == std::string::npos || colon == 0 || !ReadInt(item.substr(colon + 1), 1, 10, level)) {
      return absl::InvalidArgumentError(absl::StrCat("sip: ", key, ": skill '", item, "' is not <skill>:<1..10>"));
    }
    auto* skill = hints.add_skills();
    skill->set_skill(item.substr(0, colon));
    skill->set_min_proficiency(level);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CallRoutes> ParseCallRoutes(const ConnectorConfig& config) {
  CallRoutes routes;
  for (const auto& [key, value] : config.settings) {
    if (key.rfind(kPrefix, 0) != 0) continue;
    const std::string dialed = key.substr(sizeof(kPrefix) - 1);
    if (dialed.empty()) return absl::InvalidArgumentError("sip: route. needs the dialed number after the dot");
    omnibroker::v1::RoutingHints& hints = routes[dialed];
    std::stringstream parts(value);
    std::string part;
    while (parts >> part) {
      const size_t equals = part.find('=');
      const std::string name = part.substr(0, equals);
      const std::string text = equals == std::string::npos ? "" : part.substr(equals + 1);
      int priority = 0;
      if (name == "queue" && !text.empty()) {
        hints.set_queue(text);
      } else if (name == "skills") {
        if (auto s = ReadSkills(key, text, hints); !s.ok()) return s;
      } else if (name == "priority" && ReadInt(text, 0, 1000, priority)) {
        hints.set_priority(priority);
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("sip: ", key, ": '", part, "' is not queue=<name>, skills=<s:n,…> or priority=<0..1000>"));
      }
    }
  }
  return routes;
}

omnibroker::v1::Event RoutedCallEvent(const SipRequest& invite, const CallRoutes& routes, TimePoint now) {
  omnibroker::v1::Event event = CallEvent(invite, now);
  auto it = routes.find(invite.dialed);
  if (it != routes.end()) *event.mutable_routing() = it->second;
  return event;
}

}  // namespace omni::connectors::sip
