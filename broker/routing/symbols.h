// Symbols: the routing engine's names for languages and skills, as small integers. Eligibility
// checks and index keys compare and hash these on every decision; comparing and hashing the
// strings was a fifth of an agent-freed decision. A name keeps its symbol for the engine's life
// (there are as many as distinct languages and skills the engine has seen).
// Owned by the routing engine's thread; no locks.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace omni::routing {

using Symbol = uint32_t;

// Languages: an agent is also filed under the symbol of kAnyLanguage ("*"), for steps that accept
// any language; skills: under kAnySkill (""), with fit 0, for conversations that need none.
inline constexpr std::string_view kAnyLanguage = "*";
inline constexpr std::string_view kAnySkill = "";
inline constexpr Symbol kAnyLanguageSymbol = 0;
inline constexpr Symbol kAnySkillSymbol = 1;

class Symbols {
 public:
  Symbols();
  Symbols(const Symbols&) = delete;
  Symbols& operator=(const Symbols&) = delete;

  Symbol Intern(std::string_view name);
  // A language as routing matches it: its primary subtag in lower case ("pt-BR", "pt_br" and "PT"
  // are "pt"), so a Telegram customer whose app says "pt-br" is served by an agent who lists "pt"
  // or "pt-PT" instead of waiting for one who lists exactly that tag.
  Symbol InternLanguage(std::string_view tag);
  const std::string& Name(Symbol symbol) const { return names_[symbol]; }

 private:
  std::deque<std::string> names_;  // a deque: the map's keys view into its strings, which stay put
  absl::flat_hash_map<std::string_view, Symbol> symbols_;
};

}  // namespace omni::routing
