// The list's keys and the shortcut bar. One table per mode, so the bar shows exactly the keys
// that work.
#include "key_bindings.h"

#include "wide_text.h"

namespace omni::console {

Action ListAction(const Key& key) {
  switch (key.type) {
    case Key::Type::kUp:
      return Action::kUp;
    case Key::Type::kDown:
      return Action::kDown;
    case Key::Type::kPageUp:
      return Action::kPageUp;
    case Key::Type::kPageDown:
      return Action::kPageDown;
    case Key::Type::kEnter:
      return Action::kReply;
    case Key::Type::kChar:
      break;
    default:
      return Action::kNone;
  }
  switch (key.ch) {
    case L'k':
      return Action::kUp;
    case L'j':
      return Action::kDown;
    case L'a':
      return Action::kAccept;
    case L'd':
      return Action::kDecline;
    case L'r':
      return Action::kReply;
    case L't':
      return Action::kTemplates;
    case L'x':
      return Action::kTransfer;
    case L'w':
      return Action::kWrapUp;
    case L'e':
      return Action::kEndWrapUp;
    case L'p':
      return Action::kPresence;
    case L'q':
      return Action::kQuit;
    default:
      return Action::kNone;
  }
}

std::vector<Shortcut> Shortcuts(Mode mode, Selection selection) {
  switch (mode) {
    case Mode::kCompose:
      return {{"^S", "Send"}, {"Enter", "New line"}, {"^T", "Template"}, {"Esc", "Cancel"}};
    case Mode::kPrompt:
      return {{"Enter", "OK"}, {"Esc", "Cancel"}};
    case Mode::kPicker:
      return {{"type", "Filter"}, {"↑↓", "Choose"}, {"Enter", "Use"}, {"Esc", "Cancel"}};
    case Mode::kList:
      break;
  }
  std::vector<Shortcut> keys;
  switch (selection) {
    case Selection::kOffer:
      keys = {{"a", "Accept"}, {"d", "Decline"}};
      break;
    case Selection::kConversation:
      keys = {{"r", "Reply"}, {"t", "Templates"}, {"x", "Transfer"}, {"w", "Wrap-up"}};
      break;
    case Selection::kWrapUp:
      keys = {{"e", "End wrap-up"}};
      break;
    case Selection::kNothing:
      break;
  }
  for (Shortcut s : std::vector<Shortcut>{{"↑↓", "Select"}, {"p", "Presence"}, {"q", "Quit"}}) {
    keys.push_back(std::move(s));
  }
  return keys;
}

std::string ShortcutBar(const std::vector<Shortcut>& shortcuts, int columns) {
  std::string bar;
  int width = 0;
  for (const auto& s : shortcuts) {
    const int needed = (bar.empty() ? 0 : 2) + DisplayWidth(Widen(s.key + " " + s.label));
    if (width + needed > columns) break;
    bar += (bar.empty() ? "" : "  ") + s.key + " " + s.label;
    width += needed;
  }
  return bar;
}

}  // namespace omni::console
