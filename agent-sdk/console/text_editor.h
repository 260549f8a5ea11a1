// A small multi-line text editor for replies and prompts: wide characters, a cursor, Enter for a
// new line (where allowed), Backspace joining lines. Pure state; the views draw it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace omni::console {

class TextEditor {
 public:
  explicit TextEditor(bool multi_line) : multi_line_(multi_line) {}

  void Insert(wchar_t c);
  // Inserts UTF-8 text at the cursor ('\n' starts a line in a multi-line editor).
  void InsertText(std::string_view utf8);
  void NewLine();  // a no-op in a single-line editor
  void Backspace();
  void Left();
  void Right();
  void Up();
  void Down();
  void Clear();

  bool empty() const { return lines_.size() == 1 && lines_[0].empty(); }
  std::string Text() const;  // UTF-8, lines joined by '\n'
  const std::vector<std::wstring>& lines() const { return lines_; }
  size_t row() const { return row_; }
  size_t column() const { return column_; }  // in characters of lines()[row()]

 private:
  bool multi_line_;
  std::vector<std::wstring> lines_{std::wstring()};
  size_t row_ = 0;
  size_t column_ = 0;
};

}  // namespace omni::console
