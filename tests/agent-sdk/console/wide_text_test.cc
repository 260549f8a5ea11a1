// Column arithmetic for what customers write: Latin, Cyrillic (one column a letter), CJK (two).
#include "wide_text.h"

#include <gtest/gtest.h>

#include <clocale>

namespace omni::console {
namespace {

class WideTextTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(std::setlocale(LC_ALL, "C.UTF-8"), nullptr); }
};

TEST_F(WideTextTest, RoundTripsUtf8) {
  for (std::string text : {"hello", "Здравствуйте", "你好", "mixed Ж 字 e\xCC\x81"}) {
    EXPECT_EQ(Narrow(Widen(text)), text);
  }
}

TEST_F(WideTextTest, BrokenUtf8ShowsAReplacementCharacter) {
  EXPECT_EQ(Widen("a\xFF"
                  "b"),
            L"a\uFFFDb");
  EXPECT_EQ(Widen("cut \xD0"), L"cut \uFFFD");
}

TEST_F(WideTextTest, CountsColumnsNotBytes) {
  EXPECT_EQ(DisplayWidth(Widen("Привет")), 6);
  EXPECT_EQ(DisplayWidth(Widen("你好")), 4);
  EXPECT_EQ(DisplayWidth(L"a\tb"), 3) << "an unprintable character takes one column";
}

TEST_F(WideTextTest, FitsToExactlyTheColumns) {
  EXPECT_EQ(FitColumns(L"Привет", 4), L"Прив");
  EXPECT_EQ(FitColumns(L"ab", 4), L"ab  ");
  EXPECT_EQ(FitColumns(L"你好吗", 5), L"你好 ") << "a wide character that does not fit is left out";
  EXPECT_EQ(FitColumns(L"a\tb", 3), L"a?b");
}

// What a customer writes cannot act on the agent's terminal: ESC, C1 and bidirectional overrides
// show as '?' (before, U+202E reached the screen and turned the rest of the line around).
TEST_F(WideTextTest, TerminalControlsFromACustomerShowAsQuestionMarks) {
  EXPECT_EQ(FitColumns(Widen("\x1b[2Jhi"), 6), L"?[2Jhi");
  EXPECT_EQ(FitColumns(Widen("\xc2\x9b" "31m"), 4), L"?31m");
  EXPECT_EQ(FitColumns(Widen("pay \xe2\x80\xae" "exe.doc"), 12), L"pay ?exe.doc");
  EXPECT_EQ(DisplayWidth(Widen("\xe2\x81\xa6x")), 2);
}

TEST_F(WideTextTest, WrapsAtSpacesAndInsideLongWords) {
  EXPECT_EQ(WrapColumns(L"где мой заказ сегодня", 10),
            (std::vector<std::wstring>{L"где мой", L"заказ", L"сегодня"}));
  EXPECT_EQ(WrapColumns(L"abcdefghij", 4), (std::vector<std::wstring>{L"abcd", L"efgh", L"ij"}));
  EXPECT_EQ(WrapColumns(L"one\ntwo", 10), (std::vector<std::wstring>{L"one", L"two"}));
  EXPECT_EQ(WrapColumns(L"你好你好", 5), (std::vector<std::wstring>{L"你好", L"你好"}));
  EXPECT_EQ(WrapColumns(L"", 5), (std::vector<std::wstring>{L""}));
}

}  // namespace
}  // namespace omni::console
