// What a customer writes cannot act on the operator's terminal: every control shows as an escape.
#include "base/terminal_text.h"

#include <gtest/gtest.h>

#include "base/utf8.h"

namespace omni {
namespace {

TEST(TerminalTextTest, ControlsShowAsEscapesAndTextStaysAsItIs) {
  EXPECT_EQ(ForTerminal("Здравствуйте, где мой заказ? 你好"), "Здравствуйте, где мой заказ? 你好");
  EXPECT_EQ(ForTerminal("\x1b[2J\x1b]0;pwned\x07ok"), "\\u001b[2J\\u001b]0;pwned\\u0007ok")
      << "clear screen and a window title";
  EXPECT_EQ(ForTerminal("a\x7f" "b"), "a\\u007fb");
  EXPECT_EQ(ForTerminal("\xc2\x9b" "31m"), "\\u009b31m") << "C1 CSI in UTF-8";
  EXPECT_EQ(ForTerminal("pay \xe2\x80\xae" "cod.exe"), "pay \\u202ecod.exe") << "right-to-left override";
  EXPECT_EQ(ForTerminal("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069") << "isolates";
}

TEST(TerminalTextTest, NewlinesAreEscapedUnlessKept) {
  EXPECT_EQ(ForTerminal("line 1\nline 2\tend\r"), "line 1\\nline 2\\tend\\u000d");
  EXPECT_EQ(ForTerminal("line 1\nline 2\x1b", Newlines::kKeep), "line 1\nline 2\\u001b");
}

TEST(TerminalTextTest, BrokenUtf8IsRepairedFirst) {
  EXPECT_EQ(ForTerminal("a\xff\x1b" "b"), "a\xef\xbf\xbd\\u001bb");
  EXPECT_EQ(ForTerminal("cut \xd0"), "cut \xef\xbf\xbd");
}

TEST(TerminalTextTest, JsonStaysJsonAndNothingActsWhateverTheBytes) {
  EXPECT_EQ(ForTerminal("{\n  \"text\": \"\xc2\x9b\"\n}", Newlines::kKeep),
            "{\n  \"text\": \"\\u009b\"\n}");
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const std::string shown = ForTerminal(every_byte + "\xc2\x80\xc2\x9f\xe2\x80\xaa");
  EXPECT_TRUE(IsUtf8(shown));
  for (unsigned char c : shown) EXPECT_FALSE(c < 0x20 || c == 0x7f) << static_cast<int>(c);
  EXPECT_EQ(shown.find("\xc2\x80"), std::string::npos);
  EXPECT_EQ(shown.find("\xe2\x80\xaa"), std::string::npos);
}

TEST(TerminalTextTest, TheControlsAreExactlyThese) {
  EXPECT_TRUE(IsTerminalControl(U'\0'));
  EXPECT_TRUE(IsTerminalControl(U'\x1b'));
  EXPECT_FALSE(IsTerminalControl(U' '));
  EXPECT_TRUE(IsTerminalControl(U'\x7f'));
  EXPECT_TRUE(IsTerminalControl(U'\x9f'));
  EXPECT_FALSE(IsTerminalControl(U'\xa0'));
  EXPECT_FALSE(IsTerminalControl(U'Ж'));
  EXPECT_TRUE(IsTerminalControl(U'\u202e'));
  EXPECT_FALSE(IsTerminalControl(U'\u2067' + 3));
}

}  // namespace
}  // namespace omni
