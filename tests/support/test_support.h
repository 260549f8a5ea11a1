// Shared test support: temp directories, waiting on a condition with a deadline, the corpus.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include "absl/status/status.h"

// ASSERT_TRUE(status.ok()) that prints the status when it fails: a test that cannot start its
// broker says why (which port, which file) instead of "Actual: false".
#define ASSERT_OK(expression)                             \
  do {                                                    \
    const absl::Status omni_status_ = (expression);       \
    ASSERT_TRUE(omni_status_.ok()) << omni_status_;       \
  } while (false)
#define EXPECT_OK(expression)                             \
  do {                                                    \
    const absl::Status omni_status_ = (expression);       \
    EXPECT_TRUE(omni_status_.ok()) << omni_status_;       \
  } while (false)

namespace omni::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "omni-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Polls `condition` until it holds or `timeout` passes; true when it held.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// The channel payloads the tests read, carried in the project (tests/corpus, provenance in its SOURCES.md).
inline std::filesystem::path CorpusDir() { return OMNI_CORPUS_DIR; }

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace omni::testing
