// What the console asks of the agent besides the reply: a one-line prompt (transfer target, note)
// and a picker (templates, dispositions) narrowed by a typed filter. Pure state, drawn by views.
#pragma once

#include <string>
#include <vector>

#include "text_editor.h"

namespace omni::console {

struct PromptState {
  std::string question;
  TextEditor answer{/*multi_line=*/false};
};

struct PickerState {
  std::string title;
  std::vector<std::string> items;
  TextEditor filter{/*multi_line=*/false};
  size_t cursor = 0;  // among Matches()

  // Indices into items that match the filter.
  std::vector<size_t> Matches() const;
  // The item under the cursor, or -1 when nothing matches.
  int Chosen() const;
  void Move(int delta);
};

// Where things go on a rows×columns screen (80×24 at least; more rows show more history).
struct Layout {
  int list_top, list_rows;  // offers and conversations, under a title row
  int body_top, body_rows;  // history (or the picker) and the customer card
  int history_columns, card_columns;
  int editor_top, editor_rows;  // the reply or prompt being typed (0 rows in the list)
  int notice_row, bar_row;
};
Layout ComputeLayout(int rows, int columns, bool editing, int editor_lines);

}  // namespace omni::console
