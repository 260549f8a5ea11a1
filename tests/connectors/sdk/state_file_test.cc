// ReplaceFile: a connector's state file is replaced whole, in a folder made on demand, and a
// failure says which path and why.
#include "connectors/sdk/state_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReplaceFileTest, CreatesTheFolderAndReplacesTheContentsWhole) {
  testing::TempDir dir;
  const auto path = dir.path() / "state" / "cursor";
  ASSERT_TRUE(ReplaceFile(path, "first, and longer\n").ok());
  ASSERT_TRUE(ReplaceFile(path, "second\n").ok());
  EXPECT_EQ(Read(path), "second\n");
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));
}

TEST(ReplaceFileTest, AFolderThatCannotBeMadeIsUnavailableWithItsPath) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "plain-file") << "x";
  const auto status = ReplaceFile(dir.path() / "plain-file" / "cursor", "x");
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("plain-file"), std::string::npos) << status;
}

}  // namespace
}  // namespace omni::connectors
