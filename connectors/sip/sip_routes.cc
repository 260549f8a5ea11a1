// Route settings: space-separated key=value parts, skills as a comma list of skill:level.
#include "connectors/sip/sip_routes.h"

#include <cstdlib>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
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

// The user of a SIP or tel URI: "+4930123" of "sip:+4930123@pbx;user=phone" or "tel:+4930123".
std::string UriUser(const std::string& uri) {
  const size_t colon = uri.find(':');
  const std::string rest = colon == std::string::npos ? uri : uri.substr(colon + 1);
  return rest.substr(0, rest.find_first_of("@;"));
}

}  // namespace

absl::StatusOr<CallRoutes> ParseCallRoutes(const ConnectorConfig& config) {
  CallRoutes routes;
  const std::string header = config.Get("route_header");
  routes.header = absl::AsciiStrToLower(header);
  if (!routes.header.empty() && (!absl::StartsWith(routes.header, "x-") || routes.header.size() < 3)) {
    return absl::InvalidArgumentError(absl::StrCat("sip: route_header: '", header, "' is not an X- header"));
  }
  for (const auto& [key, value] : config.settings) {
    if (key.rfind(kPrefix, 0) != 0) continue;
    const std::string name = key.substr(sizeof(kPrefix) - 1);
    if (name.empty()) return absl::InvalidArgumentError("sip: route. needs the route's name after the dot");
    omnibroker::v1::RoutingHints& hints = routes.by_name[name];
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
  auto take = [&](const std::string& name, const std::string& why) {
    auto it = routes.by_name.find(name);
    if (name.empty() || it == routes.by_name.end()) return false;
    *event.mutable_routing() = it->second;
    (*event.mutable_provider_metadata())["sip.route"] = absl::StrCat(why, " ", name);
    return true;
  };
  if (!routes.header.empty()) {
    for (const auto& [header, value] : invite.x_headers) {
      if (header == routes.header && take(value, header)) return event;
    }
  }
  if (take(invite.dialed, "dialed")) return event;
  take(UriUser(invite.diverted_from), "diversion");
  return event;
}

}  // namespace omni::connectors::sip
