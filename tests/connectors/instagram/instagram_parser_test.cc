// Every Instagram corpus file is either normalized (key fields checked) or rejected with the
// reason expected here; a corpus file missing from the table fails the test. The chatwoot-derived
// files write timestamps as ISO 8601 strings, which are read too.
#include "connectors/instagram/instagram_parser.h"

#include <gtest/gtest.h>

#include "tests/connectors/meta/meta_corpus.h"

namespace omni::connectors::instagram {
namespace {

using namespace meta::testing;

TEST(InstagramCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  const std::map<std::string, Expected> table = {
      {"courier_ig/attachment.json",
       Media("instagram:external_id", "image/*", "https://image-url/foo.png")},
      {"courier_ig/different_page.json",
       Message("instagram:external_id", "Hello World", "1235:5678")},
      {"courier_ig/echo.json",
       Dropped("echo", "entry[0].messaging[0].message is an echo of the page's own message")},
      {"courier_ig/hello_msg.json",
       Message("instagram:external_id", "Hello World", "1234567890:5678")},
      {"courier_ig/icebreaker_get_started.json",
       Message("instagram:1234567890:5678:postback:1459991487970", "icebreaker question")},
      {"courier_ig/like_heart.json", Message("instagram:external_id", "\xE2\x9D\xA4\xEF\xB8\x8F")},
      {"courier_ig/no_entries.json", Rejected("entry is empty: nothing to route")},
      {"courier_ig/no_messaging_entries.json",
       Rejected("entry[0].messaging is missing or not an array")},
      {"courier_ig/story_mention.json",
       Media("instagram:external_id", "image/*", "https://story-url")},
      {"courier_ig/unknown_messaging_entry.json", Rejected("entry[0].messaging[0] has no message")},
      {"courier_ig/unsent_msg.json", Of(omnibroker::v1::EVENT_KIND_DELETE,
                                        "instagram:external_id:deleted", "instagram:external_id")},
      {"ig_instagram_message_create_event.json",
       Message("instagram:message-id-1", "This is the first message from the customer",
               "chatwoot-app-user-id-1:Sender-id-1")},
      // Handover protocol: another app owns the thread and answers it.
      {"ig_instagram_message_standby_event.json",
       Dropped("standby",
               "entry[0].standby[0] belongs to the app that owns the thread (handover protocol)")},
      {"ig_instagram_message_unsend_event.json",
       Of(omnibroker::v1::EVENT_KIND_DELETE, "instagram:message-id-to-delete:deleted",
          "instagram:message-id-to-delete")},
      {"ig_instagram_story_mention_event_with_echo.json", Dropped("echo", "is an echo")},
      {"ig_instagram_story_reply_event.json",
       Message("instagram:message-id-1", "This is the story reply")},
      {"ig_instagram_test_text_event.json",
       Message("instagram:random_mid", "random_text", "23245:12334")},
  };
  CheckCorpus("instagram", "instagram", table, ParseWebhook, CheckMessagingEvent);
}

TEST(InstagramParserTest, StoryReplyKeepsTheStoryAndIsoTimeIsRead) {
  auto events =
      ParseWebhook(omni::testing::ReadFile(omni::testing::CorpusDir() /
                                           "instagram/ig_instagram_story_reply_event.json"),
                   SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  const auto& e = events->front();
  EXPECT_EQ(e.provider_metadata().at("story_url"), "https://chatwoot-assets.local/sample.png");
  EXPECT_EQ(e.occurred_at().seconds(), 1631082844);  // 2021-09-08T06:34:04+0000
}

TEST(InstagramParserTest, AMessengerBodyIsNotAnInstagramOne) {
  auto events = ParseWebhook(
      omni::testing::ReadFile(omni::testing::CorpusDir() / "messenger/courier_fba/hello_msg.json"),
      SystemClock().Now());
  ASSERT_FALSE(events.ok());
  EXPECT_NE(events.status().message().find("object is 'page', not 'instagram'"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace omni::connectors::instagram
