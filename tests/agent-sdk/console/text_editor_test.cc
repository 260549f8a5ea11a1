// The reply editor: multi-line typing, joining lines, the cursor, and one-line prompts.
#include "text_editor.h"

#include <gtest/gtest.h>

#include <clocale>

namespace omni::console {
namespace {

class TextEditorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(std::setlocale(LC_ALL, "C.UTF-8"), nullptr); }
};

TEST_F(TextEditorTest, TypesLinesAndJoinsThemWithNewlines) {
  TextEditor editor(/*multi_line=*/true);
  EXPECT_TRUE(editor.empty());
  for (wchar_t c : std::wstring(L"Добрый день")) editor.Insert(c);
  editor.NewLine();
  editor.InsertText("line two");
  EXPECT_EQ(editor.Text(), "Добрый день\nline two");
  EXPECT_EQ(editor.lines().size(), 2u);
  EXPECT_EQ(editor.row(), 1u);
  EXPECT_EQ(editor.column(), 8u);
}

TEST_F(TextEditorTest, BackspaceAtALineStartJoinsItToThePreviousOne) {
  TextEditor editor(true);
  editor.InsertText("ab\ncd");
  editor.Left();
  editor.Left();
  editor.Backspace();
  EXPECT_EQ(editor.Text(), "abcd");
  EXPECT_EQ(editor.column(), 2u);
  editor.Insert(L'-');
  EXPECT_EQ(editor.Text(), "ab-cd");
}

TEST_F(TextEditorTest, SplitsALineAtTheCursor) {
  TextEditor editor(true);
  editor.InsertText("hello world");
  for (int i = 0; i < 6; ++i) editor.Left();
  editor.NewLine();
  EXPECT_EQ(editor.Text(), "hello\n world");
  editor.Up();
  EXPECT_EQ(editor.row(), 0u);
  EXPECT_EQ(editor.column(), 0u);
  editor.Down();
  editor.Right();
  editor.Right();
  EXPECT_EQ(editor.column(), 2u);
}

TEST_F(TextEditorTest, EdgesAreHarmless) {
  TextEditor editor(true);
  editor.Backspace();
  editor.Left();
  editor.Up();
  editor.Down();
  editor.Right();
  EXPECT_TRUE(editor.empty());
  editor.InsertText("x");
  editor.Clear();
  EXPECT_TRUE(editor.empty());
  EXPECT_EQ(editor.Text(), "");
}

TEST_F(TextEditorTest, AOneLineEditorTurnsNewlinesIntoSpaces) {
  TextEditor prompt(/*multi_line=*/false);
  prompt.InsertText("a\nb");
  prompt.NewLine();
  EXPECT_EQ(prompt.Text(), "a b");
  EXPECT_EQ(prompt.lines().size(), 1u);
}

}  // namespace
}  // namespace omni::console
