#include "base/language_tag.h"

#include <gtest/gtest.h>

namespace omni {
namespace {

TEST(LanguageTagTest, AcceptsTheShapesProvidersSend) {
  for (const char* tag : {"en", "EN", "pt-BR", "zh-Hant", "zh-Hant-TW", "es-419", "fil", "und"}) {
    EXPECT_TRUE(IsLanguageTag(tag)) << tag;
  }
}

TEST(LanguageTagTest, RejectsWhatIsNotATag) {
  for (const char* tag : {"", "e", "engl", "english", "en-", "-en", "en--US", "en_US", "1en", "en US", "ру", "en-U$"}) {
    EXPECT_FALSE(IsLanguageTag(tag)) << tag;
  }
}

TEST(LanguageTagTest, AHintIsMadeATagOrDropped) {
  EXPECT_EQ(LanguageHint("en_US"), "en-US");
  EXPECT_EQ(LanguageHint("pt-br"), "pt-br");
  EXPECT_EQ(LanguageHint("English"), "");
  EXPECT_EQ(LanguageHint(""), "");
  EXPECT_EQ(LanguageHint("en__US"), "");
}

}  // namespace
}  // namespace omni
