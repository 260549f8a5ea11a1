// Table-driven tests over tests/corpus: every file of a channel's folder has its expected
// outcome in the test's table, and a file nobody listed (or a listed file that is gone) fails.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/strings.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "tests/support/test_support.h"

namespace omni::testing {

// Calls `check(name, contents, expected)` for every file under corpus/<folder> (name relative to
// the folder, e.g. "courier/hello.json").
template <typename Expected, typename Check>
void CheckEveryCorpusFile(const std::string& folder, const std::map<std::string, Expected>& table,
                          Check check) {
  const std::filesystem::path dir = CorpusDir() / folder;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string name = std::filesystem::relative(entry.path(), dir).string();
    SCOPED_TRACE(name);
    auto it = table.find(name);
    if (it == table.end()) {
      ADD_FAILURE() << "corpus file without an expectation: " << name;
      continue;
    }
    check(name, ReadFile(entry.path()), it->second);
  }
  EXPECT_EQ(files, table.size()) << "the table lists files that corpus/" << folder << " lacks";
}

// Whether `status` is the rejection a parser owes malformed input: INVALID_ARGUMENT, saying `why`.
inline ::testing::AssertionResult RejectedWith(const absl::Status& status, std::string_view why) {
  if (status.code() == absl::StatusCode::kInvalidArgument &&
      ToStd(status.message()).find(why) != std::string_view::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << status << " is not INVALID_ARGUMENT with '" << why << "'";
}

// Whether `status` says the input is not customer traffic of `kind` (answered 200 and counted).
inline ::testing::AssertionResult DroppedAs(const absl::Status& status, std::string_view kind) {
  if (connectors::NotCustomerTrafficKind(status) == std::optional<std::string>(kind)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << status << " is not dropped as '" << kind << "'";
}

}  // namespace omni::testing
