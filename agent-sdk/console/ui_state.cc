// Picker filtering and cursor, and the screen layout arithmetic.
#include "ui_state.h"

#include <algorithm>

#include "templates.h"

namespace omni::console {

std::vector<size_t> PickerState::Matches() const { return FilterItems(items, filter.Text()); }

int PickerState::Chosen() const {
  const auto matches = Matches();
  if (matches.empty()) return -1;
  return static_cast<int>(matches[std::min(cursor, matches.size() - 1)]);
}

void PickerState::Move(int delta) {
  const int count = static_cast<int>(Matches().size());
  cursor =
      static_cast<size_t>(std::clamp(static_cast<int>(cursor) + delta, 0, std::max(count - 1, 0)));
}

Layout ComputeLayout(int rows, int columns, bool editing, int editor_lines) {
  Layout l{};
  l.bar_row = rows - 1;
  l.notice_row = rows - 2;
  l.list_top = 2;  // row 0: header, row 1: list titles
  l.list_rows = std::max(4, rows / 5);
  // The editor grows with the reply up to a third of the screen, never below 3 lines.
  l.editor_rows = editing ? std::clamp(editor_lines + 1, 3, std::max(3, rows / 3)) : 0;
  l.editor_top = l.notice_row - l.editor_rows;
  l.body_top = l.list_top + l.list_rows + 1;  // one row for the conversation's title
  l.body_rows = std::max(1, l.editor_top - l.body_top);
  l.card_columns = columns >= 110 ? 36 : 26;
  l.history_columns = columns - l.card_columns - 1;
  return l;
}

}  // namespace omni::console
