// The keyboard: keys as the console sees them (the curses layer translates), what each key does
// in the work list, and the shortcut bar every mode shows at the bottom of the screen.
#pragma once

#include <string>
#include <vector>

namespace omni::console {

struct Key {
  enum class Type {
    kChar,
    kUp,
    kDown,
    kLeft,
    kRight,
    kPageUp,
    kPageDown,
    kEnter,
    kBackspace,
    kEscape,
    kResize
  };
  Type type = Type::kChar;
  wchar_t ch = 0;  // for kChar: the character, control keys as 1..26

  static Key Char(wchar_t c) { return Key{Type::kChar, c}; }
  static Key Of(Type t) { return Key{t, 0}; }
  bool IsControl(char letter) const { return type == Type::kChar && ch == letter - 'a' + 1; }
};

// kList: moving through offers and conversations; kCompose: writing a reply; kPrompt: one line
// asked for (transfer target, note); kPicker: choosing a template or a disposition by filter.
enum class Mode { kList, kCompose, kPrompt, kPicker };

enum class Action {
  kNone,
  kUp,
  kDown,
  kAccept,
  kDecline,
  kReply,
  kTemplates,
  kTransfer,
  kWrapUp,
  kEndWrapUp,
  kPresence,
  kPageUp,
  kPageDown,
  kQuit
};

Action ListAction(const Key& key);

// What is selected in the list decides which of its keys apply.
enum class Selection { kNothing, kOffer, kConversation, kWrapUp };

struct Shortcut {
  std::string key;
  std::string label;
};

std::vector<Shortcut> Shortcuts(Mode mode, Selection selection);
// "a Accept  d Decline  …" cut to `columns` at a whole shortcut.
std::string ShortcutBar(const std::vector<Shortcut>& shortcuts, int columns);

}  // namespace omni::console
