// TextEditor: line and cursor bookkeeping.
#include "text_editor.h"

#include <algorithm>

#include "wide_text.h"

namespace omni::console {

void TextEditor::Insert(wchar_t c) {
  if (c == L'\n') return NewLine();
  lines_[row_].insert(column_, 1, c);
  ++column_;
}

void TextEditor::InsertText(std::string_view utf8) {
  for (wchar_t c : Widen(utf8)) Insert(c == L'\n' && !multi_line_ ? L' ' : c);
}

void TextEditor::NewLine() {
  if (!multi_line_) return;
  std::wstring rest = lines_[row_].substr(column_);
  lines_[row_].erase(column_);
  lines_.insert(lines_.begin() + static_cast<long>(row_) + 1, std::move(rest));
  ++row_;
  column_ = 0;
}

void TextEditor::Backspace() {
  if (column_ > 0) {
    lines_[row_].erase(--column_, 1);
  } else if (row_ > 0) {
    column_ = lines_[row_ - 1].size();
    lines_[row_ - 1] += lines_[row_];
    lines_.erase(lines_.begin() + static_cast<long>(row_));
    --row_;
  }
}

void TextEditor::Left() {
  if (column_ > 0) {
    --column_;
  } else if (row_ > 0) {
    column_ = lines_[--row_].size();
  }
}

void TextEditor::Right() {
  if (column_ < lines_[row_].size()) {
    ++column_;
  } else if (row_ + 1 < lines_.size()) {
    ++row_;
    column_ = 0;
  }
}

void TextEditor::Up() {
  if (row_ == 0) return;
  --row_;
  column_ = std::min(column_, lines_[row_].size());
}

void TextEditor::Down() {
  if (row_ + 1 >= lines_.size()) return;
  ++row_;
  column_ = std::min(column_, lines_[row_].size());
}

void TextEditor::Clear() {
  lines_.assign(1, std::wstring());
  row_ = column_ = 0;
}

std::string TextEditor::Text() const {
  std::wstring joined;
  for (size_t i = 0; i < lines_.size(); ++i) {
    if (i > 0) joined.push_back(L'\n');
    joined += lines_[i];
  }
  return Narrow(joined);
}

}  // namespace omni::console
