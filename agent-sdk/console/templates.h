// Reply templates and scripts, one per situation (greeting, claim, conflict, closing), and the
// disposition codes offered at wrap-up. Loaded from a YAML file given by --templates, or the
// embedded default set; searchable by a filter typed in the picker; placeholders filled in.
//
//   templates:
//     - situation: greeting
//       title: Hello
//       text: "Hello {customer_name}, this is {agent_name}. How can I help?"
//   dispositions: [resolved, refund_issued, escalated]
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace omni::console {

struct ReplyTemplate {
  std::string situation;
  std::string title;
  std::string text;
};

struct TemplateSet {
  std::vector<ReplyTemplate> templates;
  std::vector<std::string> dispositions;
};

// Parses the YAML text; `origin` (a file name) starts every error, which names the field.
absl::StatusOr<TemplateSet> ParseTemplates(std::string_view yaml, std::string_view origin);
absl::StatusOr<TemplateSet> LoadTemplates(const std::string& path);
// The embedded set, used without --templates.
TemplateSet DefaultTemplates();

// Indices of the items containing every word of `filter` (case-insensitive, Cyrillic too), in
// order; all of them for an empty filter.
std::vector<size_t> FilterItems(const std::vector<std::string>& items, std::string_view filter);

// `text` with each {name} replaced by values[name]; unknown placeholders stay for the agent to
// fill in by hand.
std::string FillPlaceholders(std::string_view text,
                             const std::map<std::string, std::string>& values);

}  // namespace omni::console
