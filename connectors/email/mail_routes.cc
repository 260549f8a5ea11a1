#include "connectors/email/mail_routes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace omni::connectors::email {
namespace {

constexpr absl::string_view kRoutePrefix = "route.";

absl::Status ParseSkills(absl::string_view value, omnibroker::v1::RoutingHints& hints) {
  for (absl::string_view skill : absl::StrSplit(value, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> name_level = absl::StrSplit(skill, ':');
    int level = 1;
    if (name_level.first.empty() ||
        (!name_level.second.empty() && !absl::SimpleAtoi(name_level.second, &level))) {
      return absl::InvalidArgumentError(absl::StrCat("skill '", skill, "' is not name[:level]"));
    }
    auto* requirement = hints.add_skills();
    requirement->set_skill(std::string(absl::StripAsciiWhitespace(name_level.first)));
    requirement->set_min_proficiency(level);
  }
  return absl::OkStatus();
}

absl::StatusOr<omnibroker::v1::RoutingHints> ParseRoute(absl::string_view value) {
  omnibroker::v1::RoutingHints hints;
  for (absl::string_view part : absl::StrSplit(value, ';', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> key_value = absl::StrSplit(part, '=');
    const absl::string_view key = absl::StripAsciiWhitespace(key_value.first);
    const absl::string_view val = absl::StripAsciiWhitespace(key_value.second);
    if (key == "queue") {
      hints.set_queue(std::string(val));
    } else if (key == "skills") {
      if (auto s = ParseSkills(val, hints); !s.ok()) return s;
    } else if (key == "priority") {
      int priority = 0;
      if (!absl::SimpleAtoi(val, &priority)) {
        return absl::InvalidArgumentError(absl::StrCat("priority '", val, "' is not a number"));
      }
      hints.set_priority(priority);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("'", key, "' is not queue, skills or priority"));
    }
  }
  return hints;
}

}  // namespace

absl::StatusOr<MailRoutes> RoutesFromConfig(const ConnectorConfig& config) {
  MailRoutes routes;
  for (const auto& [key, value] : config.settings) {
    if (!absl::StartsWith(key, kRoutePrefix)) continue;
    auto hints = ParseRoute(value);
    if (!hints.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("connector '", config.name, "' setting '", key,
                                                     "': ", hints.status().message()));
    }
    routes[absl::AsciiStrToLower(key.substr(kRoutePrefix.size()))] = *std::move(hints);
  }
  return routes;
}

void ApplyRoute(const MailRoutes& routes, const std::vector<std::string>& recipients,
                omnibroker::v1::Event& event) {
  for (const std::string& recipient : recipients) {
    auto route = routes.find(absl::AsciiStrToLower(recipient));
    if (route == routes.end()) continue;
    *event.mutable_routing() = route->second;
    return;
  }
}

}  // namespace omni::connectors::email
