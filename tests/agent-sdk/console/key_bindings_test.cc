// Keys and the shortcut bar: every list key, the bar per mode and selection, and that the bar fits
// 80 columns; the layout of an 80×24 and a 120×40 screen; the picker's cursor.
#include "key_bindings.h"

#include <gtest/gtest.h>

#include <clocale>

#include "ui_state.h"
#include "wide_text.h"

namespace omni::console {
namespace {

class KeyBindingsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(std::setlocale(LC_ALL, "C.UTF-8"), nullptr); }
};

TEST_F(KeyBindingsTest, ListKeys) {
  const std::pair<Key, Action> table[] = {
      {Key::Char(L'a'), Action::kAccept},
      {Key::Char(L'd'), Action::kDecline},
      {Key::Char(L'r'), Action::kReply},
      {Key::Of(Key::Type::kEnter), Action::kReply},
      {Key::Char(L't'), Action::kTemplates},
      {Key::Char(L'x'), Action::kTransfer},
      {Key::Char(L'w'), Action::kWrapUp},
      {Key::Char(L'e'), Action::kEndWrapUp},
      {Key::Char(L'p'), Action::kPresence},
      {Key::Char(L'q'), Action::kQuit},
      {Key::Char(L'k'), Action::kUp},
      {Key::Of(Key::Type::kUp), Action::kUp},
      {Key::Char(L'j'), Action::kDown},
      {Key::Of(Key::Type::kDown), Action::kDown},
      {Key::Of(Key::Type::kPageUp), Action::kPageUp},
      {Key::Of(Key::Type::kPageDown), Action::kPageDown},
      {Key::Char(L'z'), Action::kNone},
      {Key::Of(Key::Type::kEscape), Action::kNone},
  };
  for (const auto& [key, action] : table)
    EXPECT_EQ(ListAction(key), action) << static_cast<int>(key.ch);
  EXPECT_TRUE(Key::Char(19).IsControl('s'));
  EXPECT_FALSE(Key::Char(L's').IsControl('s'));
}

TEST_F(KeyBindingsTest, TheBarShowsTheKeysThatApplyAndFits80Columns) {
  for (Mode mode : {Mode::kList, Mode::kCompose, Mode::kPrompt, Mode::kPicker}) {
    for (Selection s :
         {Selection::kNothing, Selection::kOffer, Selection::kConversation, Selection::kWrapUp}) {
      const auto shortcuts = Shortcuts(mode, s);
      const std::string bar = ShortcutBar(shortcuts, 80);
      EXPECT_LE(DisplayWidth(Widen(bar)), 80);
      EXPECT_NE(bar.find(shortcuts.back().label), std::string::npos)
          << bar << ": every key fits in 80";
    }
  }
  EXPECT_EQ(ShortcutBar(Shortcuts(Mode::kList, Selection::kOffer), 80),
            "a Accept  d Decline  ↑↓ Select  p Presence  q Quit");
  EXPECT_EQ(ShortcutBar(Shortcuts(Mode::kList, Selection::kConversation), 80),
            "r Reply  t Templates  x Transfer  w Wrap-up  ↑↓ Select  p Presence  q Quit");
  EXPECT_EQ(ShortcutBar(Shortcuts(Mode::kCompose, Selection::kConversation), 80),
            "^S Send  Enter New line  ^T Template  Esc Cancel");
  EXPECT_EQ(ShortcutBar(Shortcuts(Mode::kList, Selection::kOffer), 20), "a Accept  d Decline")
      << "cut at a whole shortcut";
}

TEST_F(KeyBindingsTest, LayoutOf80x24And120x40) {
  const Layout small = ComputeLayout(24, 80, /*editing=*/false, 0);
  EXPECT_EQ(small.bar_row, 23);
  EXPECT_EQ(small.notice_row, 22);
  EXPECT_EQ(small.list_rows, 4);
  EXPECT_EQ(small.body_top, 7);
  EXPECT_EQ(small.body_rows, 15);
  EXPECT_EQ(small.history_columns + 1 + small.card_columns, 80);

  const Layout writing = ComputeLayout(24, 80, /*editing=*/true, 2);
  EXPECT_EQ(writing.editor_rows, 3);
  EXPECT_EQ(writing.editor_top + writing.editor_rows, writing.notice_row);
  EXPECT_EQ(writing.body_top + writing.body_rows, writing.editor_top);
  EXPECT_EQ(ComputeLayout(24, 80, true, 30).editor_rows, 8) << "at most a third of the screen";

  const Layout large = ComputeLayout(40, 120, false, 0);
  EXPECT_EQ(large.list_rows, 8);
  EXPECT_EQ(large.card_columns, 36);
  EXPECT_GT(large.body_rows, small.body_rows);
}

TEST_F(KeyBindingsTest, ThePickerCursorStaysAmongTheMatches) {
  PickerState picker;
  picker.items = {"resolved", "refund_issued", "escalated"};
  EXPECT_EQ(picker.Chosen(), 0);
  picker.Move(5);
  EXPECT_EQ(picker.Chosen(), 2);
  picker.filter.InsertText("re");
  picker.cursor = 0;
  EXPECT_EQ(picker.Matches(), (std::vector<size_t>{0, 1}));
  picker.Move(1);
  EXPECT_EQ(picker.Chosen(), 1);
  picker.Move(-9);
  EXPECT_EQ(picker.Chosen(), 0);
  picker.filter.InsertText("zzz");
  EXPECT_EQ(picker.Chosen(), -1);
}

}  // namespace
}  // namespace omni::console
