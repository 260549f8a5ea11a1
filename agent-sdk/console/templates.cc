// Template files: YAML parsing with errors naming the entry and field, the filter, placeholders.
#include "templates.h"

#include <yaml-cpp/yaml.h>

#include <cwctype>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "wide_text.h"

namespace omni::console {
namespace {

absl::Status Invalid(std::string_view origin, const YAML::Node& node, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(origin), " line ", node.Mark().line + 1, ": ", what));
}

std::wstring Folded(std::string_view text) {
  std::wstring wide = Widen(text);
  for (wchar_t& c : wide) c = static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
  return wide;
}

absl::StatusOr<TemplateSet> FromYaml(const YAML::Node& root, std::string_view origin) {
  if (!root.IsMap()) return Invalid(origin, root, "expected a map with templates and dispositions");
  TemplateSet set;
  const YAML::Node templates = root["templates"];
  if (!templates || !templates.IsSequence() || templates.size() == 0) {
    return Invalid(origin, templates ? templates : root, "templates: expected a non-empty list");
  }
  for (size_t i = 0; i < templates.size(); ++i) {
    const YAML::Node entry = templates[i];
    const std::string where = absl::StrCat("templates[", i, "]");
    if (!entry.IsMap()) return Invalid(origin, entry, where + ": expected a map");
    ReplyTemplate t;
    for (auto [field, out] :
         {std::pair{"situation", &t.situation}, {"title", &t.title}, {"text", &t.text}}) {
      const YAML::Node value = entry[field];
      if (!value || !value.IsScalar() || value.Scalar().empty()) {
        return Invalid(origin, value ? value : entry,
                       absl::StrCat(where, ".", field, ": required text"));
      }
      *out = value.Scalar();
    }
    set.templates.push_back(std::move(t));
  }
  const YAML::Node dispositions = root["dispositions"];
  if (!dispositions || !dispositions.IsSequence() || dispositions.size() == 0) {
    return Invalid(origin, dispositions ? dispositions : root,
                   "dispositions: expected a non-empty list");
  }
  for (size_t i = 0; i < dispositions.size(); ++i) {
    if (!dispositions[i].IsScalar() || dispositions[i].Scalar().empty()) {
      return Invalid(origin, dispositions[i],
                     absl::StrCat("dispositions[", i, "]: expected a code"));
    }
    set.dispositions.push_back(dispositions[i].Scalar());
  }
  return set;
}

}  // namespace

absl::StatusOr<TemplateSet> ParseTemplates(std::string_view yaml, std::string_view origin) {
  try {
    return FromYaml(YAML::Load(std::string(yaml)), origin);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(origin), " line ", e.mark.line + 1, ": not YAML: ", e.msg));
  }
}

absl::StatusOr<TemplateSet> LoadTemplates(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("--templates: cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseTemplates(buffer.str(), path);
}

std::vector<size_t> FilterItems(const std::vector<std::string>& items, std::string_view filter) {
  std::vector<std::wstring> words;
  for (absl::string_view w : absl::StrSplit(ToAbsl(filter), ' ', absl::SkipEmpty())) {
    words.push_back(Folded(ToStd(w)));
  }
  std::vector<size_t> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::wstring haystack = Folded(items[i]);
    bool all = true;
    for (const auto& w : words) all = all && haystack.find(w) != std::wstring::npos;
    if (all) out.push_back(i);
  }
  return out;
}

std::string FillPlaceholders(std::string_view text,
                             const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(text.substr(i, open - i));
    auto value = values.find(std::string(text.substr(open + 1, close - open - 1)));
    if (value != values.end()) {
      out.append(value->second);
    } else {
      out.append(text.substr(open, close - open + 1));
    }
    i = close + 1;
  }
  out.append(text.substr(i));
  return out;
}

}  // namespace omni::console
