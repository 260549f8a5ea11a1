// Drawing the console with ncursesw: header, work list, conversation (history and customer card)
// or an offer's preview, the editor or prompt, the picker, the notice line and the shortcut bar.
// Reads the state, never changes it.
#pragma once

#include <string>

#include "base/clock.h"
#include "console_model.h"
#include "key_bindings.h"
#include "text_editor.h"
#include "ui_state.h"

namespace omni::console {

struct Screen {
  const ConsoleModel& model;
  Mode mode;
  const TextEditor& reply;
  const PromptState& prompt;
  const PickerState& picker;
  int history_scroll;  // lines scrolled back from the newest
  TimePoint now;
};

// What the selected row is, for the shortcut bar.
Selection SelectionOf(const ConsoleModel& model, TimePoint now);

void Draw(const Screen& screen);

}  // namespace omni::console
