#include "broker/routing/symbols.h"

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

}  // namespace omni::routing
