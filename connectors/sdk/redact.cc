#include "connectors/sdk/redact.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "base/strings.h"

namespace omni::connectors {
namespace {

bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-'; }

// Where a value that is not quoted ends: a query separator, a space, a quote or a bracket.
bool EndsValue(char c) {
  return absl::ascii_isspace(c) ||
         std::string_view("&#\"',;<>()[]{}").find(c) != std::string_view::npos;
}

bool IsSecretName(std::string_view name) {
  static constexpr std::array<std::string_view, 7> kSecretEndings = {
      "token", "secret", "key", "password", "passwd", "signature", "sig"};
  for (std::string_view ending : kSecretEndings) {
    if (absl::EndsWithIgnoreCase(ToAbsl(name), ToAbsl(ending))) return true;
  }
  return false;
}

// The end of the run starting at `from` that EndsValue (and, for a path segment, '/' or '?')
// does not stop.
size_t ValueEnd(std::string_view text, size_t from, std::string_view also_ends = "") {
  while (from < text.size() && !EndsValue(text[from]) &&
         also_ends.find(text[from]) == std::string_view::npos) {
    ++from;
  }
  return from;
}

size_t SkipSpaces(std::string_view text, size_t from) {
  while (from < text.size() && (text[from] == ' ' || text[from] == '\t')) ++from;
  return from;
}

// The value that follows the name ending at `at`, as [start, end), or start == end when what
// follows is no value of a form this knows. `quoted`: the name was preceded by '"' (JSON).
std::pair<size_t, size_t> ValueAfterName(std::string_view text, size_t at, bool quoted,
                                         bool authorization) {
  const size_t n = text.size();
  if (at >= n) return {at, at};
  if (text[at] == '=') return {at + 1, ValueEnd(text, at + 1)};
  if (quoted && text[at] == '"') {
    size_t colon = SkipSpaces(text, at + 1);
    if (colon >= n || text[colon] != ':') return {at, at};
    size_t open = SkipSpaces(text, colon + 1);
    if (open >= n || text[open] != '"') return {at, at};
    size_t close = open + 1;
    while (close < n && text[close] != '"') close += text[close] == '\\' ? 2 : 1;
    close = std::min(close, n);
    return {open + 1, close};
  }
  if (text[at] == ':') {
    const size_t start = SkipSpaces(text, at + 1);
    if (!authorization) return {start, ValueEnd(text, start)};
    size_t end = start;  // "Basic <credentials>", "Bearer <token>": the rest of the line
    while (end < n && text[end] != '\n' && text[end] != '\r' && text[end] != '"') ++end;
    return {start, end};
  }
  return {at, at};
}

}  // namespace

std::string RedactSecrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    if (absl::StartsWithIgnoreCase(ToAbsl(text.substr(i)), "/bot")) {
      out.append(text.substr(i, 4));
      i += 4;
      const size_t end = ValueEnd(text, i, "/?");
      if (end > i) {
        out.append(kRedacted);
        i = end;
      }
      continue;
    }
    if (!IsNameChar(text[i]) || (i > 0 && IsNameChar(text[i - 1]))) {
      out.push_back(text[i++]);
      continue;
    }
    size_t name_end = i;
    while (name_end < n && IsNameChar(text[name_end])) ++name_end;
    const std::string_view name = text.substr(i, name_end - i);
    const bool quoted = i > 0 && text[i - 1] == '"';
    out.append(name);
    i = name_end;
    if (absl::EqualsIgnoreCase(ToAbsl(name), "bearer")) {
      const size_t start = SkipSpaces(text, i);
      const size_t end = ValueEnd(text, start);
      if (start > i && end > start) {
        out.append(text.substr(i, start - i));
        out.append(kRedacted);
        i = end;
      }
      continue;
    }
    const bool authorization = absl::EqualsIgnoreCase(ToAbsl(name), "authorization");
    if (!authorization && !IsSecretName(name)) continue;
    const auto [start, end] = ValueAfterName(text, i, quoted, authorization);
    if (end <= start) continue;
    out.append(text.substr(i, start - i));
    out.append(kRedacted);
    i = end;
  }
  return out;
}

}  // namespace omni::connectors
