// The table checks the Meta channels' parser tests share: every file under a corpus folder (or a
// named body) is either normalized, with its key fields checked, or rejected with the expected
// reason; a file missing from the table fails. Plus the malformed-input loop.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "omnibroker/v1/event.pb.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::meta::testing {

struct Expected {
  std::string error;  // a substring of the rejection (or of the drop's reason); empty = normalized
  std::string dropped;  // the kind it is acknowledged and dropped as (not_customer_traffic.h)
  std::string id;
  std::string text;
  omnibroker::v1::EventKind kind = omnibroker::v1::EVENT_KIND_MESSAGE;
  std::string reply_to;
  std::string thread;           // "" = not checked
  std::string attachment_type;  // of the single attachment, "" = none
  std::string attachment_url;
  size_t count = 1;       // events, each expected as above
  bool identity = false;  // check phone and name
  std::string phone;
  std::string name;
};

inline Expected Message(std::string id, std::string text, std::string thread = "") {
  return Expected{.id = std::move(id), .text = std::move(text), .thread = std::move(thread)};
}
inline Expected Media(std::string id, std::string type, std::string url, std::string text = "") {
  Expected e = Message(std::move(id), std::move(text));
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
inline Expected Replying(Expected e, std::string reply_to) {
  e.reply_to = std::move(reply_to);
  return e;
}
inline Expected Rejected(std::string why) { return Expected{.error = std::move(why)}; }
// Acknowledged as not customer traffic of `kind`, with `why` in its reason.
inline Expected Dropped(std::string kind, std::string why) {
  return Expected{.error = std::move(why), .dropped = std::move(kind)};
}

// A channel's ParseWebhook (the notices dropped beside the events are not checked here).
using ParseFn = std::function<absl::StatusOr<std::vector<omnibroker::v1::Event>>(
    std::string_view, TimePoint, std::vector<std::string>*)>;
// A channel's own invariants, checked on every event.
using EventCheck = std::function<void(const omnibroker::v1::Event&)>;

inline void CheckBody(const std::string& body, const Expected& want, const std::string& provider,
                      const ParseFn& parse, const EventCheck& channel_check) {
  auto events = parse(body, SystemClock().Now(), nullptr);
  if (!want.dropped.empty()) {
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(NotCustomerTrafficKind(events.status()), want.dropped) << events.status();
    EXPECT_NE(events.status().message().find(want.error), absl::string_view::npos)
        << events.status();
    return;
  }
  if (!want.error.empty()) {
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(events.status().message().find(want.error), absl::string_view::npos)
        << events.status();
    return;
  }
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), want.count);
  for (const omnibroker::v1::Event& e : *events) {
    EXPECT_EQ(e.id(), want.id);
    EXPECT_EQ(e.kind(), want.kind);
    EXPECT_EQ(e.provider(), provider);
    EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_MESSENGER);
    EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
    EXPECT_EQ(e.sender().provider(), provider);
    EXPECT_FALSE(e.sender().handle().empty());
    EXPECT_GT(e.occurred_at().seconds(), 1'000'000'000);
    EXPECT_LT(e.occurred_at().seconds(), 2'000'000'000);  // milliseconds were not taken as seconds
    EXPECT_GT(e.received_at().seconds(), 0);
    EXPECT_EQ(e.content().text(), want.text);
    EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
    if (!want.thread.empty()) {
      EXPECT_EQ(e.thread_key(), want.thread);
    }
    if (want.identity) {
      EXPECT_EQ(e.sender().phone(), want.phone);
      EXPECT_EQ(e.sender().display_name(), want.name);
    }
    if (want.attachment_type.empty()) {
      EXPECT_EQ(e.content().attachments_size(), 0);
    } else {
      ASSERT_EQ(e.content().attachments_size(), 1);
      EXPECT_EQ(e.content().attachments(0).content_type(), want.attachment_type);
      EXPECT_EQ(e.content().attachments(0).url(), want.attachment_url);
    }
    channel_check(e);
  }
}

inline void CheckCorpus(const std::string& folder, const std::string& provider,
                        const std::map<std::string, Expected>& table, const ParseFn& parse,
                        const EventCheck& channel_check) {
  omni::testing::CheckEveryCorpusFile(
      folder, table, [&](const std::string&, const std::string& body, const auto& expected) {
        CheckBody(body, expected, provider, parse, channel_check);
      });
}

// Each body is refused INVALID_ARGUMENT with a message holding its reason.
inline void ExpectRejections(const std::vector<std::pair<std::string, std::string>>& cases,
                             const ParseFn& parse) {
  for (const auto& [body, why] : cases) {
    auto events = parse(body, SystemClock().Now(), nullptr);
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
}

// Messenger and Instagram: a page-scoped sender with no phone, in the thread "<page>:<user>".
inline void CheckMessagingEvent(const omnibroker::v1::Event& e) {
  EXPECT_EQ(e.sender().phone(), "");
  EXPECT_EQ(e.thread_key(), e.provider_metadata().at("page_id") + ":" + e.sender().handle());
}

}  // namespace omni::connectors::meta::testing
