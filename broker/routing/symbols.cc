#include "broker/routing/symbols.h"

#include "absl/strings/ascii.h"
#include "base/strings.h"

namespace omni::routing {

Symbols::Symbols() {
  Intern(kAnyLanguage);  // kAnyLanguageSymbol
  Intern(kAnySkill);     // kAnySkillSymbol
}

Symbol Symbols::Intern(std::string_view name) {
  if (auto it = symbols_.find(name); it != symbols_.end()) return it->second;
  const Symbol symbol = static_cast<Symbol>(names_.size());
  names_.emplace_back(name);
  symbols_.emplace(names_.back(), symbol);
  return symbol;
}

Symbol Symbols::InternLanguage(std::string_view tag) {
  return Intern(absl::AsciiStrToLower(ToAbsl(tag.substr(0, tag.find_first_of("-_")))));
}

}  // namespace omni::routing
