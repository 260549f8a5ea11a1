// Every Messenger corpus file is either normalized (key fields checked) or rejected with the
// reason expected here; a corpus file missing from the table fails the test. The kinds the
// corpus lacks (edits, reactions, read watermarks, NLP locales, batches) and malformed input are
// tested on small bodies.
#include "connectors/messenger/messenger_parser.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "connectors/messenger/messenger_connector.h"
#include "connectors/sdk/signature.h"
#include "tests/connectors/meta/meta_corpus.h"

namespace omni::connectors::messenger {
namespace {

using namespace meta::testing;
using omnibroker::v1::Event;

constexpr char kMid[] = "mid.1458668856218:ed81099e15d3f4f233";

TEST(MessengerCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  const std::map<std::string, Expected> table = {
      {"botman_split/fb_checkout_update.json",
       Dropped("checkout_update", "entry[0].messaging[0] 'checkout_update' is a notice")},
      // No timestamp on the receipt: the entry's time is used.
      {"botman_split/fb_delivery.json",
       Of(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS,
          absl::StrCat("messenger:", kMid, ":status:delivered"), absl::StrCat("messenger:", kMid))},
      {"botman_split/fb_echo.json",
       Dropped("echo",
               "entry[0].messaging[0].message is an echo of the page's own message (is_echo), "
               "not a customer message")},
      {"botman_split/fb_optin_user_ref_no_sender.json",
       Dropped("optin", "entry[0].messaging[0] 'optin' is a notice")},
      {"botman_split/fb_postback.json",
       Message("messenger:111899832631525:1433960459967306:postback:1480279487147", "MY_PAYLOAD",
               "111899832631525:1433960459967306")},
      {"botman_split/fb_quick_reply.json",
       Message("messenger:mid.1480279487147:4388d3b344", "Red")},
      {"botman_split/fb_referral.json",
       Message("messenger:111899832631525:1433960459967306:referral:1480279487147", "MY_REF")},
      {"botman_split/fb_text.json",
       Message("messenger:mid.1480279487147:4388d3b344", "Hi", "111899832631525:1433960459967306")},
      {"botman_split/fb_text_with_nlp.json",
       Message("messenger:mid.$cAABlxfDuVgpkzP8I5Fem7nAgTm_7", "bye, see you tomorrow at 4pm")},
      {"courier_fba/attachment.json",
       Media("messenger:external_id", "image/*", "https://image-url/foo.png")},
      // The thread is the page the user wrote to (the recipient), which is who must answer.
      {"courier_fba/different_page.json",
       Message("messenger:external_id", "Hello World", "1235:5678")},
      {"courier_fba/dlr.json",
       Of(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS,
          absl::StrCat("messenger:", kMid, ":status:delivered"), absl::StrCat("messenger:", kMid))},
      {"courier_fba/echo.json", Dropped("echo", "is an echo of the page's own message")},
      {"courier_fba/fallback.json", Message("messenger:external_id", "Foo My Documents/foo.doc")},
      {"courier_fba/hello_msg.json",
       Message("messenger:external_id", "Hello World", "1234567890:5678")},
      {"courier_fba/location_attachment.json",
       Message("messenger:external_id", "location: 1.2,-1.3")},
      {"courier_fba/no_entries.json", Rejected("entry is empty: nothing to route")},
      {"courier_fba/no_messaging_entries.json",
       Rejected("entry[0].messaging is missing or not an array")},
      {"courier_fba/notification_messages_optin.json", Dropped("optin", "'optin' is a notice")},
      {"courier_fba/postback.json",
       Message("messenger:1234567890:5678:postback:1459991487970", "postback title")},
      {"courier_fba/postback_get_started.json",
       Message("messenger:1234567890:5678:postback:1459991487970", "postback title")},
      {"courier_fba/reel.json",
       Media("messenger:external_id", "video/*", "/reel/123451234512345/")},
      {"courier_fba/referral.json",
       Message("messenger:1234567890:5678:referral:1459991487970", "referral id")},
      {"courier_fba/referral_optin.json", Dropped("optin", "'optin' is a notice")},
      // A timestamp in seconds gives the same id shape as one in milliseconds.
      {"courier_fba/referral_seconds.json",
       Message("messenger:1234567890:5678:referral:1701599111000", "referral id")},
      {"courier_fba/thumbs_up.json",
       Media("messenger:external_id", "image/*", "https://scontent.xx.fbcdn.net/v/arst")},
      {"courier_fba/unknown_messaging_entry.json",
       Rejected("entry[0].messaging[0] has no message, message_edit, postback, referral, "
                "reaction, delivery or read")},
  };
  CheckCorpus("messenger", "messenger", table, ParseWebhook, CheckMessagingEvent);
}

std::string Body(const std::string& items) {
  return absl::StrCat(R"({"object":"page","entry":[{"id":"P1","time":1700000000000,"messaging":[)",
                      items, "]}]}");
}
std::string Item(const std::string& kind) {
  return absl::StrCat(R"({"sender":{"id":"U1"},"recipient":{"id":"P1"},"timestamp":1700000000123,)",
                      kind, "}");
}

absl::StatusOr<std::vector<Event>> Parse(const std::string& body) {
  return ParseWebhook(body, SystemClock().Now());
}

TEST(MessengerParserTest, EditsDeletesReactionsAndReadWatermarks) {
  auto events = Parse(Body(absl::StrCat(
      Item(R"("message_edit":{"mid":"m.1","text":"fixed","num_edit":2})"), ",",
      Item(R"("message":{"mid":"m.2","is_deleted":true})"), ",",
      Item(R"("reaction":{"mid":"m.3","action":"react","emoji":"\u2764","reaction":"love"})"), ",",
      Item(R"("reaction":{"mid":"m.3","action":"unreact"})"), ",",
      Item(R"("read":{"watermark":1699999999000})"), ",",
      Item(R"("message":{"mid":"m.4","text":"Hi","reply_to":{"mid":"m.1"},
                         "nlp":{"detected_locales":[{"locale":"pt_BR","confidence":0.9}]}})"))));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 5u);  // the removed reaction is skipped
  const Event& edit = (*events)[0];
  EXPECT_EQ(edit.kind(), omnibroker::v1::EVENT_KIND_EDIT);
  EXPECT_EQ(edit.id(), "messenger:m.1:edit:2");
  EXPECT_EQ(edit.reply_to_event_id(), "messenger:m.1");
  EXPECT_EQ(edit.content().text(), "fixed");
  const Event& unsent = (*events)[1];
  EXPECT_EQ(unsent.kind(), omnibroker::v1::EVENT_KIND_DELETE);
  EXPECT_EQ(unsent.reply_to_event_id(), "messenger:m.2");
  const Event& reaction = (*events)[2];
  EXPECT_EQ(reaction.kind(), omnibroker::v1::EVENT_KIND_MESSAGE);
  EXPECT_EQ(reaction.content().text(), "\xE2\x9D\xA4");
  EXPECT_EQ(reaction.reply_to_event_id(), "messenger:m.3");
  const Event& read = (*events)[3];
  EXPECT_EQ(read.kind(), omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  EXPECT_EQ(read.id(), "messenger:P1:U1:read:1699999999000");
  EXPECT_EQ(read.provider_metadata().at("watermark"), "1699999999000");
  const Event& reply = (*events)[4];
  EXPECT_EQ(reply.reply_to_event_id(), "messenger:m.1");
  EXPECT_EQ(reply.language(), "pt-BR");
  EXPECT_EQ(reply.occurred_at().seconds(), 1700000000);
  EXPECT_EQ(reply.occurred_at().nanos(), 123'000'000);
  EXPECT_EQ(reply.thread_key(), "P1:U1");
}

TEST(MessengerParserTest, ADeliveryOfSeveralMidsFansOutAndAnEnglishGuessHasNoRegion) {
  auto events = Parse(Body(absl::StrCat(
      Item(R"("delivery":{"mids":["m.a","m.b"],"watermark":1})"), ",",
      Item(
          R"("message":{"mid":"m.c","text":"hello","nlp":{"detected_locales":[{"locale":"en_XX"}]}})"))));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].id(), "messenger:m.a:status:delivered");
  EXPECT_EQ((*events)[1].id(), "messenger:m.b:status:delivered");
  EXPECT_EQ((*events)[1].reply_to_event_id(), "messenger:m.b");
  EXPECT_EQ((*events)[2].language(), "en");
}

TEST(MessengerParserTest, AnEchoInABatchIsSkippedAndTheRestRouted) {
  auto events = Parse(Body(absl::StrCat(
      R"({"sender":{"id":"P1"},"recipient":{"id":"U1"},"timestamp":1700000000000,"message":{"mid":"m.e","is_echo":true,"text":"ours"}},)",
      Item(R"("message":{"mid":"m.f","text":"theirs"})"))));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id(), "messenger:m.f");
}

// A batch with a message and an opt-in: the message, and the opt-in's kind for the endpoint.
TEST(MessengerParserTest, NoticesBesideMessagesAreHandedBackByKind) {
  std::vector<std::string> dropped;
  auto events = ParseWebhook(Body(absl::StrCat(Item(R"("optin":{"ref":"PASS_THROUGH_PARAM"})"), ",",
                                               Item(R"("message":{"mid":"m.g","text":"hi"})"))),
                             SystemClock().Now(), &dropped);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id(), "messenger:m.g");
  EXPECT_EQ(dropped, (std::vector<std::string>{"optin"}));
}

TEST(MessengerParserTest, MalformedInputIsRejectedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"[]", "must be a JSON object"},
      {R"({"object":"instagram","entry":[]})", "object is 'instagram', not 'page'"},
      {R"({"object":"page"})", "entry is missing or not an array"},
      {R"({"object":"page","entry":[7]})", "entry[0] is not an object"},
      {Body("3"), "entry[0].messaging[0] is not an object"},
      {Body(R"({"recipient":{"id":"P1"},"timestamp":1,"message":{"mid":"m","text":"x"}})"),
       "messaging[0].sender.id is missing"},
      {Body(R"({"sender":{"id":"U1"},"timestamp":1,"message":{"mid":"m","text":"x"}})"),
       "messaging[0].recipient.id is missing"},
      {R"({"object":"page","entry":[{"id":"P","messaging":[{"sender":{"id":"U"},"recipient":{"id":"P"},"timestamp":"soon","message":{"mid":"m","text":"x"}}]}]})",
       "messaging[0].timestamp is missing or not a Unix time"},
      {Body(Item(R"("message":{"text":"x"})")), "messaging[0].message.mid is missing"},
      {Body(Item(R"("message":{"mid":"m"})")), "messaging[0].message.text is missing"},
      {Body(Item(R"("message_edit":{"text":"x"})")), "message_edit.mid is missing"},
      {Body(Item(R"("postback":{})")), "postback.title/payload/ref is missing"},
      {Body(Item(R"("reaction":{"mid":"m","action":"react"})")), "reaction.emoji is missing"},
      {Body(Item(R"("read":{})")), "read.watermark is missing"},
      {Body(Item(R"("hologram":{"id":"g"})")), "'hologram' is not a kind this connector knows"},
      // Wrong types are rejections, never exceptions.
      {Body(Item(R"("message":{"mid":"m","is_echo":"yes","is_deleted":1})")),
       "message.text is missing"},
      {Body(Item(R"("message":{"mid":7,"text":["x"]})")), "message.text is missing"},
  };
  ExpectRejections(cases, ParseWebhook);
}

// The Messenger Platform's webhook events reference: notices that carry no customer message are
// acknowledged and counted by kind, even those that name no sender (a policy notice, an opt-in by
// user_ref).
TEST(MessengerParserTest, NoticesAreDroppedUnderTheirKind) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Item(R"("game_play":{"game_id":"g"})"), "game_play"},
      {Item(R"("account_linking":{"status":"unlinked"})"), "account_linking"},
      {Item(R"("message":{"mid":"m","is_unsupported":true})"), "unsupported"},
      {Item(R"("reaction":{"mid":"m","action":"unreact"})"), "reaction_removed"},
      {Item(R"("pass_thread_control":{"new_owner_app_id":"123"})"), "pass_thread_control"},
      {R"({"recipient":{"id":"P1"},"timestamp":1700000000000,"policy-enforcement":{"action":"block","reason":"spam"}})",
       "policy_enforcement"},
      {R"({"recipient":{"id":"P1"},"timestamp":1700000000000,"optin":{"ref":"r","user_ref":"UREF"}})",
       "optin"},
  };
  for (const auto& [item, kind] : cases) {
    auto events = ParseWebhook(Body(item), SystemClock().Now());
    EXPECT_EQ(NotCustomerTrafficKind(events.status()), kind) << item << " -> " << events.status();
  }
}

TEST(MessengerSignatureTest, TheAppSecretsHmacIsCheckedBeforeParsing) {
  const std::string body =
      omni::testing::ReadFile(omni::testing::CorpusDir() / "messenger/courier_fba/hello_msg.json");
  InboundRequest request{.method = "POST", .path = "/messenger/webhook", .body = body};
  request.headers.emplace_back(
      "X-Hub-Signature-256", "sha256=" + absl::BytesToHexString(Hmac(Digest::kSha256, "s3", body)));
  auto ok = NormalizeWebhook("s3", request, SystemClock().Now());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->front().id(), "messenger:external_id");
  EXPECT_EQ(NormalizeWebhook("other", request, SystemClock().Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
  request.headers = {{"X-Hub-Signature-256", "sha1=abcd"}};
  EXPECT_EQ(NormalizeWebhook("s3", request, SystemClock().Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
  request.headers.clear();
  EXPECT_EQ(NormalizeWebhook("s3", request, SystemClock().Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace omni::connectors::messenger
