// The corpus table check Messenger and Instagram share: every file under a corpus folder is
// either normalized (key fields checked) or rejected with the expected reason; a file missing
// from the table fails.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"
#include "tests/support/test_support.h"

namespace omni::connectors::meta::testing {

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  std::string id;
  std::string text;
  omnibroker::v1::EventKind kind = omnibroker::v1::EVENT_KIND_MESSAGE;
  std::string reply_to;
  std::string thread;           // "" = not checked
  std::string attachment_type;  // of the single attachment, "" = none
  std::string attachment_url;
};

inline Expected Message(std::string id, std::string text, std::string thread = "") {
  return Expected{.id = std::move(id), .text = std::move(text), .thread = std::move(thread)};
}
inline Expected Media(std::string id, std::string type, std::string url) {
  Expected e = Message(std::move(id), "");
  e.attachment_type = std::move(type);
  e.attachment_url = std::move(url);
  return e;
}
inline Expected Of(omnibroker::v1::EventKind kind, std::string id, std::string reply_to) {
  Expected e = Message(std::move(id), "");
  e.kind = kind;
  e.reply_to = std::move(reply_to);
  return e;
}
inline Expected Rejected(std::string why) { return Expected{.error = std::move(why)}; }

using ParseFn =
    std::function<absl::StatusOr<std::vector<omnibroker::v1::Event>>(std::string_view, TimePoint)>;

inline void CheckCorpus(const std::string& folder, const std::string& provider,
                        const std::map<std::string, Expected>& table, const ParseFn& parse) {
  const std::filesystem::path dir = omni::testing::CorpusDir() / folder;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string name = std::filesystem::relative(entry.path(), dir).string();
    SCOPED_TRACE(name);
    auto it = table.find(name);
    ASSERT_NE(it, table.end()) << "corpus file without an expectation: " << name;
    const Expected& want = it->second;
    auto events = parse(omni::testing::ReadFile(entry.path()), SystemClock().Now());
    if (!want.error.empty()) {
      ASSERT_FALSE(events.ok());
      EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(events.status().message().find(want.error), absl::string_view::npos)
          << events.status();
      continue;
    }
    ASSERT_TRUE(events.ok()) << events.status();
    ASSERT_EQ(events->size(), 1u);
    const omnibroker::v1::Event& e = events->front();
    EXPECT_EQ(e.id(), want.id);
    EXPECT_EQ(e.kind(), want.kind);
    EXPECT_EQ(e.provider(), provider);
    EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_MESSENGER);
    EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
    EXPECT_EQ(e.sender().provider(), provider);
    EXPECT_FALSE(e.sender().handle().empty());
    EXPECT_EQ(e.sender().phone(), "");  // a page-scoped id is no phone number
    EXPECT_EQ(e.thread_key(),
              e.provider_metadata().at("page_id") + ":" + e.sender().handle());
    EXPECT_GT(e.occurred_at().seconds(), 1'000'000'000);
    EXPECT_LT(e.occurred_at().seconds(), 2'000'000'000);  // milliseconds were not taken as seconds
    EXPECT_EQ(e.content().text(), want.text);
    EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
    if (!want.thread.empty()) {
      EXPECT_EQ(e.thread_key(), want.thread);
    }
    if (want.attachment_type.empty()) {
      EXPECT_EQ(e.content().attachments_size(), 0);
    } else {
      ASSERT_EQ(e.content().attachments_size(), 1);
      EXPECT_EQ(e.content().attachments(0).content_type(), want.attachment_type);
      EXPECT_EQ(e.content().attachments(0).url(), want.attachment_url);
    }
  }
  EXPECT_EQ(files, static_cast<int>(table.size()));
}

}  // namespace omni::connectors::meta::testing
