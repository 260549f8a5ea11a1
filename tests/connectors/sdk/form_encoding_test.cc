// FormDecode: what providers' form bodies and query strings carry, and the malformed escapes
// that must not lose the rest of the value.
#include "connectors/sdk/form_encoding.h"

#include <gtest/gtest.h>

namespace omni::connectors {
namespace {

TEST(FormDecodeTest, DecodesPlusAndPercentEscapes) {
  EXPECT_EQ(FormDecode("From=%2B14155550100"), "From=+14155550100");
  EXPECT_EQ(FormDecode("hello+world"), "hello world");
  EXPECT_EQ(FormDecode("%D0%9F%D1%80%D0%B8"), "\xD0\x9F\xD1\x80\xD0\xB8");  // UTF-8 bytes as sent
}

TEST(FormDecodeTest, KeepsMalformedEscapesAsTheyAre) {
  EXPECT_EQ(FormDecode("100%"), "100%");
  EXPECT_EQ(FormDecode("%4"), "%4");
  EXPECT_EQ(FormDecode("%zz1"), "%zz1");
  EXPECT_EQ(FormDecode(""), "");
}

}  // namespace
}  // namespace omni::connectors
