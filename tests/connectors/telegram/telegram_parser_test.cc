// Every Telegram corpus file is either normalized (key fields checked) or rejected with the
// reason expected here; a corpus file missing from the table fails the test. Plus malformed input.
#include "connectors/telegram/telegram_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "connectors/sdk/not_customer_traffic.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::telegram {
namespace {

using omnibroker::v1::Event;
using testing::CorpusDir;
using testing::ReadFile;

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  std::string id, thread, sender, text;
  omnibroker::v1::EventKind kind = omnibroker::v1::EVENT_KIND_MESSAGE;
  std::string attachment_type;  // of the single attachment, "" = none
  int64_t attachment_size = 0;
  std::string reply_to;
  std::string dropped;  // the kind it is acknowledged and dropped as (not_customer_traffic.h)
};

Expected Message(std::string id, std::string thread, std::string sender, std::string text) {
  return Expected{"", std::move(id), std::move(thread), std::move(sender), std::move(text)};
}
Expected Media(std::string id, std::string type, int64_t size, std::string text = "") {
  Expected e = Message(std::move(id), "", "", std::move(text));
  e.attachment_type = std::move(type);
  e.attachment_size = size;
  return e;
}
Expected Rejected(std::string why) { return Expected{std::move(why)}; }
Expected Dropped(std::string kind) {
  Expected e;
  e.dropped = std::move(kind);
  return e;
}

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"courier/extracted/tg_contactMsg.json",
       Message("telegram:3527065:96", "3527065", "Nic Pottier", "contact: Adolf Taxi 0788531373")},
      {"courier/extracted/tg_documentMsg.json",
       Media("telegram:3527065:92", "application/vnd.ms-excel", 4540928)},
      {"courier/extracted/tg_errorFile.json", Media("telegram:3527065:44", "image/webp", 38440)},
      {"courier/extracted/tg_helloMsg.json",
       Message("telegram:3527065:41", "3527065", "Nic Pottier", "Hello World")},
      {"courier/extracted/tg_invalidFileID.json",
       Media("telegram:3527065:44", "image/webp", 38440)},
      {"courier/extracted/tg_locationMsg.json",
       Message("telegram:3527065:94", "3527065", "Nic Pottier", "location: -2.890287,-79.004333")},
      {"courier/extracted/tg_noFile.json", Media("telegram:3527065:44", "image/webp", 38440)},
      {"courier/extracted/tg_noOkFile.json", Media("telegram:3527065:44", "image/webp", 38440)},
      {"courier/extracted/tg_photoMsg.json",
       Media("telegram:3527065:85", "image/jpeg", 104737, "Photo Caption")},
      {"courier/extracted/tg_startMsg.json",
       Message("telegram:3527065:41", "3527065", "Nic Pottier", "/start")},
      {"courier/extracted/tg_stickerMsg.json", Media("telegram:3527065:44", "image/webp", 38440)},
      {"courier/extracted/tg_videoMsg.json", Media("telegram:3527065:86", "video/mp4", 257507)},
      {"courier/extracted/tg_voiceMsg.json", Media("telegram:3527065:91", "audio/ogg", 4288)},
      {"courier/extracted/tg_webAppDataMsg.json",
       Message("telegram:3527065:97", "3527065", "Nic Pottier",
               R"({"first_name": "Bob", "age": "32"})")},
      // Bare Message objects from a library's unit tests: what a webhook never receives.
      // Built from the Bot API reference: the bot blocked by a user, and a service message.
      // A customer writing to the business account the bot manages: answered through that
      // connection, so its chat is "<business_connection_id>:<chat id>".
      {"docs/tg_business_message.json",
       Message("telegram:AbCdEfGhIjKlMnOp:1111111:58", "AbCdEfGhIjKlMnOp:1111111",
               "Test Firstname Test Lastname", "Is the shop open on Sunday?")},
      {"docs/tg_dice.json", Message("telegram:1111111:1367", "1111111",
                                    "Test Firstname Test Lastname", "\xF0\x9F\x8E\xB2 4")},
      // A reaction is a message replying to the one reacted to, as on the Meta channels.
      // What has no text of its own is routed with a placeholder that says what it was.
      {"docs/tg_game.json", Message("telegram:1111111:1369", "1111111",
                                    "Test Firstname Test Lastname", "[game: Lumberjack]")},
      {"docs/tg_invoice.json",
       Message("telegram:1111111:1370", "1111111", "Test Firstname Test Lastname",
               "[invoice: Pizza Margherita 14.50 EUR]")},
      {"docs/tg_story.json", Message("telegram:1111111:1368", "1111111",
                                     "Test Firstname Test Lastname", "[shared a story]")},
      {"docs/tg_message_reaction.json",
       [] {
         Expected e = Message("telegram:-1001234567890:1365:reaction:1111111:1441645600",
                              "-1001234567890", "Test Firstname Test Lastname", "\xF0\x9F\x91\x8D");
         e.reply_to = "telegram:-1001234567890:1365";
         return e;
       }()},
      {"docs/tg_my_chat_member_kicked.json", Dropped("my_chat_member")},
      {"docs/tg_service_new_chat_members.json", Dropped("service_message")},
      {"tg_msgobj_audio_duplicate_type_key.json", Rejected("not a Telegram Update")},
      {"tg_msgobj_location.json", Rejected("not a Telegram Update")},
      {"tg_msgobj_photo.json", Rejected("not a Telegram Update")},
      {"tg_msgobj_video.json", Rejected("not a Telegram Update")},
      {"tg_update_text_min.json", Message("telegram:1111:241", "1111", "Fk Wg", "HIHI")},
      {"tg_webhookguide_callback_query.json",
       Message("telegram:callback:4382bfdwdsb323b2d9", "1111111", "Test Firstname Test Lastname",
               "Data from button callback")},
      {"tg_webhookguide_edited_message.json",
       [] {
         Expected e = Message("telegram:1111111:1365:edit:1441646600", "1111111",
                              "Test Firstname Test Lastname", "Edited text");
         e.kind = omnibroker::v1::EVENT_KIND_EDIT;
         e.reply_to = "telegram:1111111:1365";
         return e;
       }()},
      {"tg_webhookguide_forwarded_channel_message.json",
       Message("telegram:1111111:1365", "1111111", "Test Firstname Test Lastname", "/start")},
      {"tg_webhookguide_forwarded_message.json",
       Message("telegram:1111111:1365", "1111111", "Test Firstname Test Lastname", "/start")},
      {"tg_webhookguide_message.json",
       Message("telegram:1111111:1365", "1111111", "Test Test Lastname", "/start")},
      {"tg_webhookguide_message_with_audio.json",
       Media("telegram:1111111:1365", "audio/mpeg", 3897500)},
      {"tg_webhookguide_message_with_document.json",
       Media("telegram:1111111:1365", "application/pdf", 536392)},
      {"tg_webhookguide_message_with_reply.json",
       [] {
         Expected e =
             Message("telegram:1111111:1365", "1111111", "Test Firstname Test Lastname", "/start");
         e.reply_to = "telegram:1111111:1334";
         return e;
       }()},
      {"tg_webhookguide_voice_message.json", Media("telegram:1111111:1365", "audio/ogg", 23000)},
  };
  return *table;
}

TEST(TelegramCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  testing::CheckEveryCorpusFile(
      "telegram", Table(),
      [&](const std::string& name, const std::string& body, const Expected& want) {
        auto events = ParseUpdate(body, SystemClock().Now());
        if (!want.dropped.empty()) {
          EXPECT_TRUE(testing::DroppedAs(events.status(), want.dropped));
          return;
        }
        if (!want.error.empty()) {
          EXPECT_TRUE(testing::RejectedWith(events.status(), want.error));
          return;
        }
        ASSERT_TRUE(events.ok()) << events.status();
        ASSERT_EQ(events->size(), 1u);
        const Event& e = events->front();
        EXPECT_EQ(e.id(), want.id);
        EXPECT_EQ(e.kind(), want.kind);
        EXPECT_EQ(e.provider(), "telegram");
        EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_MESSENGER);
        EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
        EXPECT_FALSE(e.sender().handle().empty());
        EXPECT_FALSE(e.thread_key().empty());
        EXPECT_GT(e.occurred_at().seconds(), 0);
        EXPECT_FALSE(e.provider_metadata().at("update_id").empty());
        if (!want.thread.empty()) {
          EXPECT_EQ(e.thread_key(), want.thread);
        }
        if (!want.sender.empty()) {
          EXPECT_EQ(e.sender().display_name(), want.sender);
        }
        EXPECT_EQ(e.content().text(), want.text);
        EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
        if (want.attachment_type.empty()) {
          EXPECT_EQ(e.content().attachments_size(), 0);
        } else {
          ASSERT_EQ(e.content().attachments_size(), 1);
          const auto& a = e.content().attachments(0);
          EXPECT_EQ(a.content_type(), want.attachment_type);
          EXPECT_EQ(a.size_bytes(), want.attachment_size);
          EXPECT_TRUE(a.url().starts_with(kFileUrlPrefix)) << a.url();
        }
      });
}

// Message content a customer really sends beyond text and media: a poll, a venue.
TEST(TelegramParserTest, PollsAndVenuesAreRenderedAsText) {
  auto poll = ParseUpdate(
      R"({"update_id":5,"message":{"message_id":7,"date":1700000000,"chat":{"id":42,"type":"private"},
          "from":{"id":42,"first_name":"Ana"},"poll":{"id":"p","question":"Which day?",
          "options":[{"text":"Mon","voter_count":0},{"text":"Tue","voter_count":0}]}}})",
      SystemClock().Now());
  ASSERT_TRUE(poll.ok()) << poll.status();
  EXPECT_EQ(poll->front().content().text(), "poll: Which day? (Mon / Tue)");
  auto venue = ParseUpdate(
      R"({"update_id":6,"message":{"message_id":8,"date":1700000000,"chat":{"id":42,"type":"private"},
          "from":{"id":42,"first_name":"Ana"},"location":{"latitude":52.5,"longitude":13.4},
          "venue":{"location":{"latitude":52.5,"longitude":13.4},"title":"Shop","address":"Main St 1"}}})",
      SystemClock().Now());
  ASSERT_TRUE(venue.ok()) << venue.status();
  EXPECT_EQ(venue->front().content().text(), "location: 52.5,13.4 Shop Main St 1");
}

// An invoice's total_amount is in the currency's smallest unit: shown in its major unit.
TEST(TelegramParserTest, InvoiceAmountsAreShownInTheCurrencysMajorUnit) {
  const auto text = [](std::string_view invoice) {
    auto events = ParseUpdate(
        absl::StrCat(R"({"update_id":5,"message":{"message_id":7,"date":1700000000,)",
                     R"("chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ana"},)",
                     R"("invoice":)", ToAbsl(invoice), "}}"),
        SystemClock().Now());
    return events.ok() ? events->front().content().text() : std::string(events.status().message());
  };
  EXPECT_EQ(text(R"({"title":"Tea","currency":"USD","total_amount":5})"),
            "[invoice: Tea 0.05 USD]");
  EXPECT_EQ(text(R"({"title":"Tea","currency":"JPY","total_amount":1000})"),
            "[invoice: Tea 1000 JPY]");
  EXPECT_EQ(text(R"({"title":"Stars","currency":"XTR","total_amount":50})"),
            "[invoice: Stars 50 XTR]");
  // A malformed amount leaves it out rather than refusing what the customer sent.
  EXPECT_EQ(text(R"({"title":"Tea","currency":"EUR","total_amount":"lots"})"),
            "[invoice: Tea EUR]");
}

// A document's file_name is the sender's to pick: no path or bidirectional override of it reaches
// the agent or a file saved under it.
TEST(TelegramParserTest, ADocumentsFileNameIsMadeSafe) {
  auto events = ParseUpdate(
      R"({"update_id":5,"message":{"message_id":7,"date":1700000000,"chat":{"id":42,"type":"private"},
          "from":{"id":42,"first_name":"Ana"},
          "document":{"file_id":"F1","file_name":"../../etc/inv\u202Efdp.exe","file_size":3}}})",
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->front().content().attachments_size(), 1);
  EXPECT_EQ(events->front().content().attachments(0).filename(), "inv_fdp.exe");
}

TEST(TelegramParserTest, KeepsLanguageAndTimestamp) {
  auto events = ParseUpdate(
      R"({"update_id":5,"message":{"message_id":7,"date":1700000000,"text":"hola",
          "chat":{"id":42,"type":"private"},"from":{"id":42,"first_name":"Ana","language_code":"es"}}})",
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->front().language(), "es");
  EXPECT_EQ(events->front().occurred_at().seconds(), 1700000000);
  EXPECT_EQ(events->front().sender().handle(), "42");
}

// The Bot API's Update kinds that carry no customer message, and service messages (someone joined,
// a message was pinned): acknowledged and counted by kind, never refused.
TEST(TelegramParserTest, NoticesAreDroppedUnderTheirKind) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"update_id":1,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ana"},"date":1700000000,"old_chat_member":{"status":"member","user":{"id":7,"is_bot":true,"first_name":"Bot"}},"new_chat_member":{"status":"kicked","until_date":0,"user":{"id":7,"is_bot":true,"first_name":"Bot"}}}})",
       "my_chat_member"},
      {R"({"update_id":2,"chat_member":{"chat":{"id":-100},"from":{"id":42},"date":1}})",
       "chat_member"},
      {R"({"update_id":3,"chat_join_request":{"chat":{"id":-100},"from":{"id":42},"user_chat_id":42,"date":1}})",
       "chat_join_request"},
      {R"({"update_id":4,"poll_answer":{"poll_id":"p","option_ids":[0]}})", "poll_answer"},
      {R"({"update_id":5,"inline_query":{"id":"q","from":{"id":42},"query":"cats","offset":""}})",
       "inline_query"},
      {R"({"update_id":6,"message":{"message_id":9,"date":1700000000,"chat":{"id":-100,"type":"group"},"from":{"id":42},"new_chat_members":[{"id":43,"is_bot":false,"first_name":"Bo"}]}})",
       "service_message"},
      {R"({"update_id":7,"message":{"message_id":10,"date":1700000000,"chat":{"id":-100,"type":"group"},"from":{"id":42},"pinned_message":{"message_id":9,"date":1,"chat":{"id":-100}}}})",
       "service_message"},
      {R"({"update_id":8,"message_reaction":{"chat":{"id":-100},"message_id":9,"date":1700000000,"user":{"id":42},"old_reaction":[{"type":"emoji","emoji":"x"}],"new_reaction":[]}})",
       "reaction_removed"},
  };
  for (const auto& [body, kind] : cases) {
    auto events = ParseUpdate(body, SystemClock().Now());
    EXPECT_EQ(NotCustomerTrafficKind(events.status()), kind) << body << " -> " << events.status();
  }
}

TEST(TelegramParserTest, MalformedInputIsRejectedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{\"update_id\":", "not valid JSON"},
      {"[1,2]", "must be a JSON object"},
      {R"({"update_id":"x","message":{}})", "update_id"},
      {R"({"update_id":1})", "unsupported update type 'none'"},
      {R"({"update_id":1,"hologram":{}})", "unsupported update type 'hologram'"},
      // A notice kind that is not an object is no notice.
      {R"({"update_id":1,"my_chat_member":7})", "unsupported update type 'my_chat_member'"},
      {R"({"update_id":1,"message":{"message_id":1,"date":1}})", "message.chat.id"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"date":1}})", "message.message_id"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"message_id":1}})", "message.date"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"message_id":1,"date":1,"from":{"id":1}}})",
       "no text"},
      {R"({"update_id":1,"message":{"chat":{"id":1},"message_id":1,"date":1,"from":{"2d":1},"text":"x"}})",
       "message.from.id"},
      {R"({"update_id":1,"edited_message":{"chat":{"id":1},"message_id":1,"date":1,"text":"x"}})",
       "edited_message.edit_date"},
      {R"({"update_id":1,"callback_query":{"from":{"id":1},"data":"x"}})", "callback_query.id"},
      {R"({"update_id":1,"business_message":{"chat":{"id":1},"message_id":1,"date":1,"text":"x"}})",
       "business_message.business_connection_id is missing"},
      {R"({"update_id":1,"business_message":{"business_connection_id":"a:b","chat":{"id":1},"message_id":1,"date":1,"text":"x"}})",
       "business_message.business_connection_id is missing or not a string without ':'"},
      {R"({"update_id":1,"message_reaction":{"chat":{"id":1},"message_id":1,"date":1,"user":{"id":2}}})",
       "message_reaction.new_reaction is missing"},
      {R"({"update_id":1,"message_reaction":{"chat":{"id":1},"message_id":1,"date":1,"new_reaction":[]}})",
       "message_reaction.user.id is missing"},
      {R"({"update_id":1,"message_reaction":{"chat":{"id":1},"date":1,"user":{"id":2},"new_reaction":[]}})",
       "message_reaction.message_id is missing"},
      {R"({"update_id":1,"callback_query":{"id":"q","data":"x"}})", "callback_query.from.id"},
  };
  for (const auto& [body, why] : cases) {
    auto events = ParseUpdate(body, SystemClock().Now());
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
}

}  // namespace
}  // namespace omni::connectors::telegram
