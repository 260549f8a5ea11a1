// UTF-8 ⇄ wide characters through the C library (the locale main chose), and column arithmetic
// with wcwidth.
#include "wide_text.h"

#include <climits>
#include <cwchar>

#include "base/terminal_text.h"

namespace omni::console {
namespace {

// What the screen must not get as it is (terminal controls, bidirectional overrides, what
// wcwidth does not know): shown as '?', one column.
bool Unprintable(wchar_t c) { return omni::IsTerminalControl(static_cast<char32_t>(c)) || wcwidth(c) < 0; }

int Columns(wchar_t c) { return Unprintable(c) ? 1 : wcwidth(c); }

}  // namespace

std::wstring Widen(std::string_view utf8) {
  std::wstring out;
  std::mbstate_t state{};
  size_t i = 0;
  while (i < utf8.size()) {
    wchar_t c;
    const size_t n = std::mbrtowc(&c, utf8.data() + i, utf8.size() - i, &state);
    if (n == static_cast<size_t>(-1) || n == static_cast<size_t>(-2)) {
      out.push_back(L'\uFFFD');
      state = {};
      ++i;
    } else {
      out.push_back(n == 0 ? L'\0' : c);
      i += n == 0 ? 1 : n;
    }
  }
  return out;
}

std::string Narrow(std::wstring_view text) {
  std::string out;
  std::mbstate_t state{};
  char buffer[MB_LEN_MAX];
  for (wchar_t c : text) {
    const size_t n = std::wcrtomb(buffer, c, &state);
    if (n == static_cast<size_t>(-1)) {
      out.push_back('?');
      state = {};
    } else {
      out.append(buffer, n);
    }
  }
  return out;
}

int DisplayWidth(std::wstring_view text) {
  int width = 0;
  for (wchar_t c : text) width += Columns(c);
  return width;
}

std::wstring FitColumns(std::wstring_view text, int columns) {
  std::wstring out;
  int width = 0;
  for (wchar_t c : text) {
    const int w = Columns(c);
    if (width + w > columns) break;
    out.push_back(Unprintable(c) ? L'?' : c);
    width += w;
  }
  out.append(static_cast<size_t>(columns > width ? columns - width : 0), L' ');
  return out;
}

std::vector<std::wstring> WrapColumns(std::wstring_view text, int columns) {
  std::vector<std::wstring> lines(1);
  if (columns < 1) return lines;
  int width = 0;
  size_t last_space = std::wstring::npos;  // in lines.back()
  for (wchar_t c : text) {
    if (c == L'\n') {
      lines.emplace_back();
      width = 0;
      last_space = std::wstring::npos;
      continue;
    }
    const int w = Columns(c);
    if (width + w > columns) {
      std::wstring& line = lines.back();
      std::wstring carried;
      if (last_space != std::wstring::npos && c != L' ') {
        carried = line.substr(last_space + 1);
        line.erase(last_space);
      }
      lines.emplace_back(std::move(carried));
      width = DisplayWidth(lines.back());
      last_space = std::wstring::npos;
      if (c == L' ') continue;  // a space at a break is the break
    }
    if (c == L' ') last_space = lines.back().size();
    lines.back().push_back(c);
    width += w;
  }
  return lines;
}

}  // namespace omni::console
