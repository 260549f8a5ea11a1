#include "connectors/sdk/spool.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

using omni::testing::TempDir;

TEST(SpoolTest, FifoAcrossReopen) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  {
    auto spool = Spool::Open(path);
    ASSERT_TRUE(spool.ok());
    for (const char* r : {"one", "two", "three"}) ASSERT_TRUE((*spool)->Append(r).ok());
    auto first = (*spool)->PopFront();
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(**first, "one");
  }
  auto spool = Spool::Open(path);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->count(), 2u);
  EXPECT_EQ(**(*spool)->PopFront(), "two");
  EXPECT_EQ(**(*spool)->PopFront(), "three");
  EXPECT_TRUE((*spool)->empty());
  EXPECT_FALSE((*(*spool)->PopFront()).has_value());
  EXPECT_EQ(std::filesystem::file_size(path), 0u);  // drained spools do not grow forever
}

TEST(SpoolTest, TornTailIsDroppedNotMisread) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  {
    auto spool = Spool::Open(path);
    ASSERT_TRUE(spool.ok());
    ASSERT_TRUE((*spool)->Append("complete").ok());
    ASSERT_TRUE((*spool)->Append("cut short by a crash").ok());
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 5);
  auto spool = Spool::Open(path);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->count(), 1u);
  EXPECT_EQ(**(*spool)->PopFront(), "complete");
  EXPECT_TRUE((*spool)->empty());
}

TEST(SpoolTest, CorruptedRecordEndsTheReadableSpool) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  {
    auto spool = Spool::Open(path);
    ASSERT_TRUE((*spool)->Append("good").ok());
    ASSERT_TRUE((*spool)->Append("flipped").ok());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-2, std::ios::end);
    f.put('X');
  }
  auto spool = Spool::Open(path);
  ASSERT_TRUE(spool.ok());
  EXPECT_EQ((*spool)->count(), 1u);
}

}  // namespace
}  // namespace omni::connectors
