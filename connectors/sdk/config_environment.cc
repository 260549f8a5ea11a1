#include "connectors/sdk/config_environment.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

extern char** environ;

namespace omni::connectors {
namespace {

// The tag of a value set from the environment (a tag is otherwise unused in config files, and an
// unknown one changes nothing in how the scalar is read).
constexpr char kEnvTag[] = "!env:";

// The element of `list` that `segment` names: an index, or the element whose id or name is it (a
// connector without a name is named by its type).
std::optional<YAML::Node> FindElement(YAML::Node& list, const std::string& segment) {
  size_t index;
  if (absl::SimpleAtoi(segment, &index)) {
    if (index < list.size()) return list[index];
    return std::nullopt;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    YAML::Node item = list[i];
    if (!item.IsMap()) continue;
    const YAML::Node& lookup = item;  // const: looking a key up must not add it
    for (const char* key : {"id", "name", "type"}) {
      const YAML::Node name = lookup[key];
      if (!name || !name.IsScalar()) continue;
      if (absl::AsciiStrToLower(name.Scalar()) == segment) return item;
      break;  // named by this key: the keys after it do not name it
    }
  }
  return std::nullopt;
}

absl::Status ApplyOne(const std::string& variable, const std::string& value, std::string_view path,
                      YAML::Node& root) {
  const std::vector<std::string> segments =
      absl::StrSplit(absl::AsciiStrToLower(std::string(path)), "__");
  YAML::Node node = root;
  std::string at;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    if (segment.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("environment ", variable, ": an empty key in its name"));
    at = at.empty() ? segment : absl::StrCat(at, ".", segment);
    const bool last = i + 1 == segments.size();
    YAML::Node next;
    if (node.IsSequence()) {
      auto element = FindElement(node, segment);
      if (!element) {
        return absl::InvalidArgumentError(
            absl::StrCat("environment ", variable, ": ", at,
                         ": no element with that index, name or id in the config file"));
      }
      next = *element;
    } else if (node.IsMap() || node.IsNull() || !node.IsDefined()) {  // undefined: added just now
      next = node[segment];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("environment ", variable, ": ", at,
                       ": the value above it is a single value, not a mapping"));
    }
    if (last) {
      if (next.IsSequence() || next.IsMap()) {
        return absl::InvalidArgumentError(
            absl::StrCat("environment ", variable, ": ", at,
                         ": a list or mapping in the file; set its entries one by one"));
      }
      next = value;
      next.SetTag(absl::StrCat(kEnvTag, variable));
    }
    node.reset(next);
  }
  return absl::OkStatus();
}

}  // namespace

ConfigEnvironment ProcessEnvironment(std::string_view prefix) {
  ConfigEnvironment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos || !text.starts_with(prefix)) continue;
    env.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

absl::Status ApplyEnvironment(const ConfigEnvironment& env, std::string_view prefix,
                              YAML::Node& root) {
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  for (const auto& [variable, value] : env) {
    if (!variable.starts_with(prefix)) continue;
    if (auto s = ApplyOne(variable, value, std::string_view(variable).substr(prefix.size()), root);
        !s.ok())
      return s;
  }
  return absl::OkStatus();
}

std::string Where(const YAML::Node& node) {
  if (node.Tag().starts_with(kEnvTag))
    return absl::StrCat("environment ", node.Tag().substr(sizeof(kEnvTag) - 1));
  if (node.Mark().is_null()) return "environment";
  return absl::StrCat("line ", node.Mark().line + 1);
}

}  // namespace omni::connectors
