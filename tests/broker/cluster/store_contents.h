// What the cluster's tests compare stores with: a store opened small, and everything it holds.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "broker/cluster/log_follower.h"
#include "broker/store/store.h"

namespace omni::cluster::testing {

inline std::unique_ptr<store::Store> OpenStore(const std::filesystem::path& dir) {
  auto opened = store::Store::Open({.dir = dir, .write_buffer_bytes = 1 << 20});
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? *std::move(opened) : nullptr;
}

// Every record of every family, by family number and key; the store's log position too unless
// `with_position` is false (a store written directly has none).
inline std::map<std::string, std::string> Contents(const store::Store& store,
                                                   bool with_position = true) {
  std::map<std::string, std::string> contents;
  for (int f = 0; f < store::kFamilyCount; ++f) {
    const auto family = static_cast<store::Family>(f);
    EXPECT_TRUE(store
                    .Scan(family, "", false, std::nullopt,
                          [&](std::string_view key, std::string_view value) {
                            if (with_position || family != store::Family::kMeta ||
                                key != kLogPositionKey) {
                              contents[absl::StrCat(f, "/", std::string(key))] = std::string(value);
                            }
                            return true;
                          })
                    .ok());
  }
  return contents;
}

}  // namespace omni::cluster::testing
