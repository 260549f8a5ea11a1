// Terminal: ncursesw set-up and key translation.
#include "terminal.h"

#include <ncursesw/curses.h>

namespace omni::console {

absl::StatusOr<std::unique_ptr<Terminal>> Terminal::Open() {
  // newterm instead of initscr: initscr exits the process when TERM is unusable.
  SCREEN* s = newterm(nullptr, stdout, stdin);
  if (s == nullptr) {
    return absl::FailedPreconditionError("cannot open the terminal (is TERM set?)");
  }
  raw();
  noecho();
  keypad(stdscr, TRUE);
  set_escdelay(25);
  curs_set(0);
  if (has_colors()) {
    start_color();
    use_default_colors();
    init_pair(1, COLOR_RED, -1);     // urgent countdowns
    init_pair(2, COLOR_YELLOW, -1);  // tier badges
    init_pair(3, COLOR_CYAN, -1);    // internal notes
  }
  return std::unique_ptr<Terminal>(new Terminal(s));
}

Terminal::~Terminal() {
  endwin();
  delscreen(screen_);
}

std::optional<Key> Terminal::ReadKey(std::chrono::milliseconds timeout) {
  wtimeout(stdscr, static_cast<int>(timeout.count()));
  wint_t ch = 0;
  const int kind = wget_wch(stdscr, &ch);
  if (kind == ERR) return std::nullopt;
  if (kind == KEY_CODE_YES) {
    switch (ch) {
      case KEY_UP:
        return Key::Of(Key::Type::kUp);
      case KEY_DOWN:
        return Key::Of(Key::Type::kDown);
      case KEY_LEFT:
        return Key::Of(Key::Type::kLeft);
      case KEY_RIGHT:
        return Key::Of(Key::Type::kRight);
      case KEY_PPAGE:
        return Key::Of(Key::Type::kPageUp);
      case KEY_NPAGE:
        return Key::Of(Key::Type::kPageDown);
      case KEY_ENTER:
        return Key::Of(Key::Type::kEnter);
      case KEY_BACKSPACE:
        return Key::Of(Key::Type::kBackspace);
      case KEY_RESIZE:
        return Key::Of(Key::Type::kResize);
      default:
        return std::nullopt;
    }
  }
  switch (ch) {
    case L'\r':
    case L'\n':
      return Key::Of(Key::Type::kEnter);
    case 27:
      return Key::Of(Key::Type::kEscape);
    case 8:
    case 127:
      return Key::Of(Key::Type::kBackspace);
    default:
      return Key::Char(static_cast<wchar_t>(ch));
  }
}

int Terminal::rows() const { return getmaxy(stdscr); }
int Terminal::columns() const { return getmaxx(stdscr); }

}  // namespace omni::console
