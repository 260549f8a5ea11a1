#include "broker/routing/language_detect.h"

#include <array>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "base/strings.h"

namespace omni::routing {
namespace {

// Decodes one UTF-8 code point at `i`, advancing it; malformed bytes count as U+FFFD.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  int extra = b < 0x80 ? 0 : (b >> 5) == 0x6 ? 1 : (b >> 4) == 0xE ? 2 : (b >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || i + extra >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = extra == 0 ? b : b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += extra + 1;
  return cp;
}

struct Script {
  char32_t from, to;
  const char* language;
};
// Scripts that name one language well enough to route by. Kana before CJK: Japanese mixes both.
constexpr std::array<Script, 9> kScripts = {{{0x3040, 0x30FF, "ja"},
                                             {0xAC00, 0xD7AF, "ko"},
                                             {0x4E00, 0x9FFF, "zh"},
                                             {0x0400, 0x04FF, "ru"},
                                             {0x0370, 0x03FF, "el"},
                                             {0x0590, 0x05FF, "he"},
                                             {0x0600, 0x06FF, "ar"},
                                             {0x0E00, 0x0E7F, "th"},
                                             {0x0900, 0x097F, "hi"}}};

// Frequent short words of Latin-script languages; a word counts for every language it belongs to.
const std::map<std::string, std::set<std::string>>& LatinWords() {
  static const auto* words = [] {
    auto* out = new std::map<std::string, std::set<std::string>>;
    const std::vector<std::pair<const char*, const char*>> lists = {
        {"en", "the and is are you my i to of it not have with this that for was can please help"},
        {"fr", "le la les et est je vous mon ma pas une des du pour avec merci bonjour ne que"},
        {"de", "der die das und ist ich nicht ein eine mein sie mit für bitte danke habe zu"},
        {"es", "el la los las y es yo no un una mi por para con gracias hola que está tengo"},
        {"it", "il lo la gli e è io non un una mio per con grazie ciao che sono ho"},
        {"pt", "o a os as e é eu não um uma meu por para com obrigado olá que estou tenho"},
        {"nl", "de het een en is ik niet mijn met voor dank hallo dat heb zijn"},
    };
    for (const auto& [language, list] : lists) {
      for (absl::string_view w : absl::StrSplit(list, ' ')) (*out)[std::string(w)].insert(language);
    }
    return out;
  }();
  return *words;
}

}  // namespace

std::string DetectLanguage(std::string_view text) {
  std::map<std::string, int> by_script;
  int letters = 0;
  bool ukrainian = false;
  for (size_t i = 0; i < text.size();) {
    const char32_t cp = NextCodePoint(text, i);
    if (cp < 0x80) {
      letters += absl::ascii_isalpha(static_cast<unsigned char>(cp)) ? 1 : 0;
      continue;
    }
    // і ї є ґ are Ukrainian, not Russian.
    ukrainian |= cp == 0x0456 || cp == 0x0457 || cp == 0x0454 || cp == 0x0491;
    for (const auto& s : kScripts) {
      if (cp >= s.from && cp <= s.to) {
        by_script[s.language]++;
        break;
      }
    }
  }
  std::string best;
  int best_count = 0;
  for (const auto& [language, count] : by_script) {
    // Kana marks Japanese even when ideographs outnumber it.
    const int weight = language == "ja" ? count * 4 : count;
    if (weight > best_count) {
      best = language;
      best_count = weight;
    }
  }
  if (best_count >= 2) return best == "ru" && ukrainian ? "uk" : best;
  if (letters < 3) return "";

  std::map<std::string, int> scores;
  const auto& words = LatinWords();
  for (absl::string_view raw : absl::StrSplit(ToAbsl(text), absl::ByAnyChar(" \t\n\r.,!?;:()\"'"), absl::SkipEmpty())) {
    auto it = words.find(absl::AsciiStrToLower(raw));
    if (it == words.end()) continue;
    for (const auto& language : it->second) scores[language]++;
  }
  std::string latin;
  int top = 0, second = 0;
  for (const auto& [language, score] : scores) {
    if (score > top) {
      second = top;
      top = score;
      latin = language;
    } else if (score > second) {
      second = score;
    }
  }
  // Two frequent words, and a clear lead over the runner-up.
  return top >= 2 && top > second ? latin : "";
}

}  // namespace omni::routing
