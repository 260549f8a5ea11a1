// ReadSecretFile: the content without trailing line breaks; a missing or empty file is an error
// naming the path.
#include "base/secret_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace omni {
namespace {

void Write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(SecretFileTest, ReadsTheContentWithoutTrailingLineBreaks) {
  omni::testing::TempDir dir;
  Write(dir.path() / "key", "s3cret value\r\n\n");
  auto secret = ReadSecretFile(dir.path() / "key");
  ASSERT_TRUE(secret.ok()) << secret.status();
  EXPECT_EQ(*secret, "s3cret value");
}

TEST(SecretFileTest, AMissingOrEmptyFileIsAnErrorNamingIt) {
  omni::testing::TempDir dir;
  const auto missing = ReadSecretFile(dir.path() / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("cannot read '" + (dir.path() / "nope").string()),
            std::string::npos)
      << missing.status();
  Write(dir.path() / "empty", "\n");
  const auto empty = ReadSecretFile(dir.path() / "empty");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("is empty"), std::string::npos) << empty.status();
}

}  // namespace
}  // namespace omni
