// Every WhatsApp corpus file is either normalized (key fields checked) or rejected with the
// reason expected here; a corpus file missing from the table fails the test. The pywa files are
// dictionaries of named webhook bodies: the file itself is not a webhook, and every body in it
// has its own expectation. Plus malformed input, batches, and the signature check.
#include "connectors/whatsapp/whatsapp_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/sdk/signature.h"
#include "connectors/whatsapp/whatsapp_connector.h"
#include "tests/connectors/meta/meta_corpus.h"

namespace omni::connectors::whatsapp {
namespace {

using namespace meta::testing;
using omni::testing::CorpusDir;
using omni::testing::ReadFile;
using omnibroker::v1::Event;

Expected Status(std::string wamid, std::string status) {
  return Of(omnibroker::v1::EVENT_KIND_DELIVERY_STATUS,
            absl::StrCat("whatsapp:", wamid, ":status:", status), absl::StrCat("whatsapp:", wamid));
}
Expected Customer(Expected e, std::string thread, std::string phone, std::string name) {
  e.thread = std::move(thread);
  e.identity = true;
  e.phone = std::move(phone);
  e.name = std::move(name);
  return e;
}

// Every WhatsApp event: a verified sender whose phone, if any, is the wa_id itself (never guessed
// from anything else), in the thread "<phone_number_id>:<customer>".
void CheckWhatsAppEvent(const Event& e) {
  EXPECT_TRUE(e.sender().verified());
  EXPECT_EQ(e.thread_key(),
            absl::StrCat(e.provider_metadata().at("phone_number_id"), ":", e.sender().handle()));
  if (!e.sender().phone().empty()) {
    EXPECT_EQ(e.sender().phone(), "+" + e.sender().handle());
  }
}

constexpr char kPywaThread[] = "1122334455667:972987654321";

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"courier_wac/audio.json",
       Customer(Media("whatsapp:external_id", "image/jpeg", "whatsapp-media:id_audio",
                      "Check out my new phone!"),
                "1234567890:5678", "+5678", "Kerry Fisher")},
      {"courier_wac/button.json",
       Replying(Message("whatsapp:external_id", "No"), "whatsapp:gBGGFmkiWVVPAgkgQkwi7IORac0")},
      {"courier_wac/button_reply.json", Message("whatsapp:external_id", "Yes")},
      // The same wamid twice: two events with one id, stored once by the broker's dedupe.
      {"courier_wac/duplicate.json",
       [] {
         Expected e = Message("whatsapp:external_id", "Hello World");
         e.count = 2;
         return e;
       }()},
      {"courier_wac/error_errors.json",
       Dropped("errors",
               "errors: WhatsApp reported an error instead of messages (code 0: We were unable "
               "to authenticate the app user)")},
      {"courier_wac/error_msg.json",
       Dropped("unsupported",
               "messages[0] could not be read by WhatsApp (code 131051: Unsupported message type "
               "(Message type is not currently supported))")},
      {"courier_wac/group_message.json",
       Dropped("group", "is a group message: groups are not supported")},
      {"courier_wac/hello.json", Customer(Message("whatsapp:external_id", "Hello World"),
                                          "1234567890:5678", "+5678", "Kerry Fisher")},
      // Known only by a business-scoped user id: no phone number.
      {"courier_wac/hello_bsuid_in_from.json",
       Customer(Message("whatsapp:external_id", "Hello World"), "1234567890:US.1234", "",
                "Kerry Fisher")},
      {"courier_wac/hello_invalid_user_id.json",
       Customer(Message("whatsapp:external_id", "Hello World"), "1234567890:5678", "+5678",
                "Kerry Fisher")},
      {"courier_wac/hello_user_id.json", Customer(Message("whatsapp:external_id", "Hello World"),
                                                  "1234567890:5678", "+5678", "Kerry Fisher")},
      {"courier_wac/ignore_status.json",
       Of(omnibroker::v1::EVENT_KIND_DELETE, "whatsapp:external_id:deleted",
          "whatsapp:external_id")},
      {"courier_wac/invalid_from.json",
       Rejected("entry[0].changes[0].value.messages[0].from 'bla' is neither a phone number nor "
                "a user id")},
      {"courier_wac/invalid_status.json",
       Rejected("statuses[0].status 'in_orbit' is not sent, delivered, read, played, failed or "
                "deleted")},
      {"courier_wac/invalid_timestamp.json",
       Rejected("messages[0].timestamp is missing or not a Unix time")},
      {"courier_wac/location.json",
       Message("whatsapp:external_id",
               "location: 0.0,1.0 Main Street Beach Main Street Beach, Santa Cruz, CA")},
      {"courier_wac/nfm_reply.json", Message("whatsapp:external_id", "Sent")},
      {"courier_wac/nfm_reply_non_object.json", Message("whatsapp:external_id", "Sent")},
      {"courier_wac/valid_status.json",
       Customer(Status("external_id", "sent"), "1234567890:5678", "+5678", "Kerry Fisher")},
      {"courier_wac/video.json", Media("whatsapp:external_id", "image/jpeg",
                                       "whatsapp-media:id_video", "Check out my new phone!")},
      {"courier_wac/voice.json",
       Media("whatsapp:external_id", "audio/ogg; codecs=opus", "whatsapp-media:id_voice")},
      // Built from Meta's webhooks reference: account and calling traffic, no customer message.
      {"meta_docs/account_update_ban.json",
       Dropped("account_update", "field 'account_update' is not 'messages'")},
      {"meta_docs/calls_connect.json", Dropped("calls", "field 'calls' is not 'messages'")},
      // A user opened the chat for the first time (welcome messages): nothing written yet.
      {"meta_docs/request_welcome.json",
       Dropped("request_welcome", "asks for a welcome message: the user wrote nothing yet")},
      // Built from Meta's business-scoped user ids reference: a customer with a username and no
      // phone number shared, known by the BSUID alone.
      {"meta_docs/bsuid_text_without_phone.json",
       Customer(Message("whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
                        "Does it come in another color?"),
                "106540352242922:US.13491208655302741918", "", "Sheena Nelson")},
      {"meta_docs/bsuid_status_read_without_phone.json",
       Customer(Status("wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MTE5MjkwNjQ3ODYxMDA4MzUA", "read"),
                "106540352242922:US.13491208655302741918", "", "")},
      // Built from Meta's edit messages webhook reference: the customer corrected a message.
      {"meta_docs/edit_text.json",
       Customer(
           [] {
             Expected e =
                 Of(omnibroker::v1::EVENT_KIND_EDIT,
                    "whatsapp:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJDQTEyMzQ1Njc4OTBBQkNEAA==:"
                    "edit:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUU4NkRFRjg3OUY2NzNGMDAxMQA=",
                    "whatsapp:wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUJDQTEyMzQ1Njc4OTBBQkNEAA==");
             e.text = "Does it come in another colour?";
             return e;
           }(),
           "106540352242922:16505551234", "+16505551234", "Sheena Nelson")},
      // Dictionaries of named bodies (see NamedBodiesTable).
      {"pywa_callback_button.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"pywa_callback_selection.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"pywa_deleted_message.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"pywa_message.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"pywa_message_status.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"pywa_system.json", Rejected("not a WhatsApp Cloud API webhook")},
      {"split/pywa_callback_button__quick_reply.json",
       Customer(Replying(Message("whatsapp:wamid.xsidjw", "title"), "whatsapp:wamid.xyzxyz=="),
                kPywaThread, "+972987654321", "Test Name")},
      {"split/pywa_callback_selection__callback.json",
       Replying(Message("whatsapp:wamid.zyzxyz", "title"), "whatsapp:wamid.xyzxyz")},
      // The library's placeholders are not a sender WhatsApp would send.
      {"split/pywa_deleted_message__revoke.json",
       Rejected("from '<WHATSAPP_USER_PHONE_NUMBER>' is neither a phone number nor a user id")},
      {"split/pywa_message__audio.json", Media("whatsapp:wamid.xyzxyz", "audio/ogg; codecs=opus",
                                               "whatsapp-media:1234567890987654321")},
      {"split/pywa_message__contacts.json",
       Message("whatsapp:wamid.xyzxyz",
               "contacts: Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; Rachel Green +1 "
               "777-777-7777")},
      {"split/pywa_message__current_location.json",
       Message("whatsapp:wamid.xyzxyz", "location: 12.25089,43.90539")},
      {"split/pywa_message__forwarded.json", Message("whatsapp:wamid.xyzxyz", "forwarded text")},
      {"split/pywa_message__image.json",
       Customer(Media("whatsapp:wamid.xyzxyz", "image/jpeg", "whatsapp-media:65463453"),
                kPywaThread, "+972987654321", "Test Name")},
      {"split/pywa_message__interactive_message_with_err.json",
       Dropped("unsupported",
               "messages[0] could not be read by WhatsApp (code 131000: Something went wrong "
               "(Unsupported webhook payload))")},
      {"split/pywa_message__reaction.json",
       Replying(Message("whatsapp:wamid.xyzxyz", "\xF0\x9F\x98\xAE"), "whatsapp:wamid.yzxyzx=")},
      {"split/pywa_message__referral.json", Message("whatsapp:wamid.ID", "BODY")},
      {"split/pywa_message__reply.json",
       Replying(Message("whatsapp:wamid.xyzxyz", "replied text"), "whatsapp:wamid.xyzxyz==")},
      {"split/pywa_message__unsupported.json",
       Dropped("unsupported",
               "could not be read by WhatsApp (code 131051: Message type unknown (Message type "
               "is currently not supported.))")},
      {"split/pywa_message_status__delivered.json",
       Customer(Status("wamid.xyzxyz", "delivered"), kPywaThread, "+972987654321", "Test Name")},
      {"split/pywa_message_status__failed.json", Status("wamid.xyzxyz", "failed")},
      {"split/pywa_message_status__read.json", Status("wamid.xyzxyz", "read")},
      {"split/pywa_message_status__sent.json", Status("wamid.xyzxyz", "sent")},
      {"split/pywa_system__identity_change.json",
       Dropped("system", "is a system message (customer_identity_changed: User identity changed)")},
  };
  return *table;
}

// The named bodies inside the pywa dictionaries, "<file>#<name>".
const std::map<std::string, Expected>& NamedBodiesTable() {
  static const auto* table = new std::map<std::string, Expected>{
      {"pywa_callback_button.json#button",
       Replying(Message("whatsapp:wamid.xyzxyz", "title"), "whatsapp:wamid.xyzxyz")},
      {"pywa_callback_button.json#quick_reply",
       Replying(Message("whatsapp:wamid.xsidjw", "title"), "whatsapp:wamid.xyzxyz==")},
      {"pywa_callback_button.json#quick_reply_without_context",
       Message("whatsapp:wamid.xsidjx", "title")},
      {"pywa_callback_selection.json#callback",
       Replying(Message("whatsapp:wamid.zyzxyz", "title"), "whatsapp:wamid.xyzxyz")},
      {"pywa_callback_selection.json#description",
       Replying(Message("whatsapp:wamid.zyzxyz", "title"), "whatsapp:wamid.xyzxyz")},
      {"pywa_deleted_message.json#revoke", Rejected("'<WHATSAPP_USER_PHONE_NUMBER>' is neither")},
      {"pywa_message.json#text", Message("whatsapp:wamid.xyzxyz", "Body Text")},
      {"pywa_message.json#image",
       Media("whatsapp:wamid.xyzxyz", "image/jpeg", "whatsapp-media:65463453")},
      {"pywa_message.json#media_with_url",
       Media("whatsapp:wamid.xyzxyz", "image/jpeg", "whatsapp-media:65463453")},
      {"pywa_message.json#video",
       Media("whatsapp:wamid.xyzxyz", "video/mp4", "whatsapp-media:765756756", "caption")},
      {"pywa_message.json#document", Media("whatsapp:wamid.xyzxyz", "application/pdf",
                                           "whatsapp-media:1234567890987654321", "caption")},
      {"pywa_message.json#audio", Media("whatsapp:wamid.xyzxyz", "audio/ogg; codecs=opus",
                                        "whatsapp-media:1234567890987654321")},
      {"pywa_message.json#voice", Media("whatsapp:wamid.xyzxyz", "audio/ogg; codecs=opus",
                                        "whatsapp-media:1234567890987654321")},
      {"pywa_message.json#static_sticker",
       Media("whatsapp:wamid.xyzxyz", "image/webp", "whatsapp-media:1234567890987654321")},
      {"pywa_message.json#animated_sticker",
       Media("whatsapp:wamid.xyzxyz", "image/webp", "whatsapp-media:1234567890987654321")},
      {"pywa_message.json#reaction",
       Replying(Message("whatsapp:wamid.xyzxyz", "\xF0\x9F\x98\xAE"), "whatsapp:wamid.yzxyzx=")},
      {"pywa_message.json#unreaction_empty", Dropped("reaction_removed", "reaction was removed")},
      {"pywa_message.json#unreaction_no_emoji",
       Dropped("reaction_removed", "reaction was removed")},
      {"pywa_message.json#current_location",
       Message("whatsapp:wamid.xyzxyz", "location: 12.25089,43.90539")},
      {"pywa_message.json#chosen_location",
       Message("whatsapp:wamid.xyzxyz",
               "location: 37.4611978,-122.2164385 Facebook HQ 1 Hacker Way, Menlo Park, CA 94025")},
      {"pywa_message.json#contacts",
       Message("whatsapp:wamid.xyzxyz",
               "contacts: Chandler Bing +1 555-555-5555; Monica +1 666-666-6666; Rachel Green +1 "
               "777-777-7777")},
      {"pywa_message.json#order",
       Message("whatsapp:wamid.xyzxyz", "order: HAMBURGER x3, FRENCH_FRIES x2, SODA x2")},
      {"pywa_message.json#unsupported",
       Dropped("unsupported", "could not be read by WhatsApp (code 131051")},
      {"pywa_message.json#unsupported_with_type",
       Dropped("unsupported", "could not be read by WhatsApp (code 131051")},
      {"pywa_message.json#reply",
       Replying(Message("whatsapp:wamid.xyzxyz", "replied text"), "whatsapp:wamid.xyzxyz==")},
      {"pywa_message.json#forwarded", Message("whatsapp:wamid.xyzxyz", "forwarded text")},
      {"pywa_message.json#forwarded_many_times",
       Message("whatsapp:wamid.xyzxyz", "text forwarded many times")},
      {"pywa_message.json#interactive_message_with_err",
       Dropped("unsupported", "could not be read by WhatsApp (code 131000")},
      {"pywa_message.json#referral", Message("whatsapp:wamid.ID", "BODY")},
      {"pywa_message_status.json#sent", Status("wamid.xyzxyz", "sent")},
      {"pywa_message_status.json#delivered", Status("wamid.xyzxyz", "delivered")},
      {"pywa_message_status.json#read", Status("wamid.xyzxyz", "read")},
      {"pywa_message_status.json#played", Status("wamid.xyzxyz", "played")},
      {"pywa_message_status.json#failed", Status("wamid.xyzxyz", "failed")},
      {"pywa_message_status.json#with_tracker", Status("wamid.xyzxyz", "sent")},
      {"pywa_message_status.json#group", Dropped("group", "is about a group message")},
      {"pywa_system.json#phone_number_change",
       Dropped("system",
               "is a system message (user_changed_number: User A changed from 972987654321 to "
               "972912345678)")},
      {"pywa_system.json#identity_change", Dropped("system", "is a system message")},
  };
  return *table;
}

TEST(WhatsAppCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  CheckCorpus("whatsapp", "whatsapp", Table(), ParseWebhook, CheckWhatsAppEvent);
}

TEST(WhatsAppCorpusTest, EveryNamedBodyInThePywaFilesAsExpected) {
  const std::filesystem::path dir = CorpusDir() / "whatsapp";
  int bodies = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !file.starts_with("pywa_")) continue;
    const auto named = nlohmann::json::parse(ReadFile(entry.path()));
    for (const auto& [name, body] : named.items()) {
      ++bodies;
      const std::string key = file + "#" + name;
      SCOPED_TRACE(key);
      auto it = NamedBodiesTable().find(key);
      ASSERT_NE(it, NamedBodiesTable().end()) << "named body without an expectation: " << key;
      CheckBody(body.dump(), it->second, "whatsapp", ParseWebhook, CheckWhatsAppEvent);
    }
  }
  EXPECT_EQ(bodies, static_cast<int>(NamedBodiesTable().size()));
}

std::string Body(const std::string& value) {
  return absl::StrCat(
      R"({"object":"whatsapp_business_account","entry":[{"id":"WABA","changes":[{"field":"messages","value":)",
      value, "}]}]}");
}

constexpr char kMeta[] =
    R"("messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"PN1"})";

TEST(WhatsAppParserTest, ABatchFansOutAcrossEntriesChangesAndItems) {
  const std::string value =
      absl::StrCat("{", kMeta,
                   R"(,"contacts":[{"profile":{"name":"Ana"},"wa_id":"4915112345678"}],
         "messages":[{"from":"4915112345678","id":"wamid.A","timestamp":"1700000000","type":"text","text":{"body":"one"}},
                     {"from":"4915112345678","id":"wamid.B","timestamp":"1700000001","type":"text","text":{"body":"two"}}],
         "statuses":[{"id":"wamid.OUT","status":"read","timestamp":"1700000002","recipient_id":"4915112345678"}]})");
  const std::string body = absl::StrCat(
      R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":)",
      value, R"(}]},{"id":"W","changes":[{"field":"messages","value":)", value, "}]}]}");
  auto events = ParseWebhook(body, SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 6u);
  EXPECT_EQ((*events)[0].id(), "whatsapp:wamid.A");
  EXPECT_EQ((*events)[1].id(), "whatsapp:wamid.B");
  EXPECT_EQ((*events)[1].occurred_at().seconds(), 1700000001);
  EXPECT_EQ((*events)[2].id(), "whatsapp:wamid.OUT:status:read");
  EXPECT_EQ((*events)[2].reply_to_event_id(), "whatsapp:wamid.OUT");
  EXPECT_EQ((*events)[0].sender().phone(), "+4915112345678");
  EXPECT_EQ((*events)[0].sender().display_name(), "Ana");
  EXPECT_EQ((*events)[0].thread_key(), "PN1:4915112345678");
}

TEST(WhatsAppParserTest, NonCustomerItemsAreLeftOutOfABatchAndAloneAreDropped) {
  const std::string mixed = Body(absl::StrCat(
      "{", kMeta,
      R"(,"messages":[{"from":"491","id":"wamid.S","timestamp":"1700000000","type":"system","system":{"type":"user_changed_number","body":"x"}},
                      {"from":"491","id":"wamid.T","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]})"));
  auto events = ParseWebhook(mixed, SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id(), "whatsapp:wamid.T");

  auto account_update = ParseWebhook(
      R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"account_update","value":{}}]}]})",
      SystemClock().Now());
  ASSERT_FALSE(account_update.ok());
  EXPECT_EQ(NotCustomerTrafficKind(account_update.status()), "account_update");
  EXPECT_NE(account_update.status().message().find("field 'account_update' is not 'messages'"),
            absl::string_view::npos);
  // A field Meta adds later is still account traffic, counted under one bounded name.
  auto unknown_field = ParseWebhook(
      R"({"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"brand_new_thing","value":{}}]}]})",
      SystemClock().Now());
  EXPECT_EQ(NotCustomerTrafficKind(unknown_field.status()), "other_field");
  // A body of notices and a type the connector cannot read: refused, so the unread one is seen.
  auto with_unknown = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"messages":[{"from":"491","id":"wamid.S","timestamp":"1700000000","type":"system","system":{"type":"user_changed_number","body":"x"}},
                      {"from":"491","id":"wamid.H","timestamp":"1700000000","type":"hologram"}]})")),
      SystemClock().Now());
  EXPECT_FALSE(NotCustomerTrafficKind(with_unknown.status()).has_value());
  EXPECT_EQ(with_unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(with_unknown.status().message().find("type 'hologram' is not supported"),
            absl::string_view::npos);
}

// One messages change and one account_update change (and a system message): the customer's
// message is routed, and the kind of each notice beside it handed back for the endpoint to count.
TEST(WhatsAppParserTest, NoticesBesideMessagesAreHandedBackByKind) {
  std::string body = Body(absl::StrCat(
      "{", kMeta,
      R"(,"messages":[{"from":"491","id":"wamid.S","timestamp":"1700000000","type":"system","system":{"type":"user_changed_number","body":"x"}},
                      {"from":"491","id":"wamid.T","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]})"));
  body.insert(body.rfind("]}]}"),
              R"(,{"field":"account_update","value":{"event":"VERIFIED_ACCOUNT"}})");
  std::vector<std::string> dropped;
  auto events = ParseWebhook(body, SystemClock().Now(), &dropped);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().id(), "whatsapp:wamid.T");
  EXPECT_EQ(dropped, (std::vector<std::string>{"system", "account_update"}));
}

TEST(WhatsAppParserTest, RevokeIsADeleteOfTheOriginal) {
  auto events = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"messages":[{"from":"491","id":"wamid.R","timestamp":"1700000000","type":"revoke","revoke":{"original_message_id":"wamid.O"}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->front().kind(), omnibroker::v1::EVENT_KIND_DELETE);
  EXPECT_EQ(events->front().id(), "whatsapp:wamid.O:deleted");
  EXPECT_EQ(events->front().reply_to_event_id(), "whatsapp:wamid.O");
}

TEST(WhatsAppParserTest, AnEditedCaptionIsAnEditOfTheOriginal) {
  auto events = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"messages":[{"from":"491","id":"wamid.E2","timestamp":"1700000000","type":"edit","edit":{"original_message_id":"wamid.O","message":{"type":"image","image":{"id":"M9","caption":"the red one"}}}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  const Event& e = events->front();
  EXPECT_EQ(e.kind(), omnibroker::v1::EVENT_KIND_EDIT);
  EXPECT_EQ(e.id(), "whatsapp:wamid.O:edit:wamid.E2");
  EXPECT_EQ(e.reply_to_event_id(), "whatsapp:wamid.O");
  EXPECT_EQ(e.content().text(), "the red one");
  EXPECT_EQ(e.thread_key(), "PN1:491");
}

TEST(WhatsAppParserTest, DocumentKeepsItsFilenameAndBsuidGetsNoPhone) {
  auto events = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"contacts":[{"profile":{"name":"Bo"},"user_id":"US.99"}],"messages":[{"from":"US.99","id":"wamid.D","timestamp":"1700000000","type":"document","document":{"id":"M1","filename":"a.pdf","mime_type":"application/pdf"}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  const Event& e = events->front();
  EXPECT_EQ(e.sender().handle(), "US.99");
  EXPECT_EQ(e.sender().phone(), "");
  EXPECT_EQ(e.sender().display_name(), "Bo");
  ASSERT_EQ(e.content().attachments_size(), 1);
  EXPECT_EQ(e.content().attachments(0).filename(), "a.pdf");
  EXPECT_EQ(e.content().attachments(0).url(), "whatsapp-media:M1");
}

// A document's filename is the sender's to pick: no path or control character of it reaches the
// agent or a file saved under it.
TEST(WhatsAppParserTest, ADocumentsFilenameIsMadeSafe) {
  auto events = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"contacts":[{"profile":{"name":"Bo"},"wa_id":"15550100"}],"messages":[{"from":"15550100","id":"wamid.F","timestamp":"1700000000","type":"document","document":{"id":"M2","filename":"C:\\Users\\bo\\rep\u0007ort.pdf","mime_type":"application/pdf"}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->front().content().attachments_size(), 1);
  EXPECT_EQ(events->front().content().attachments(0).filename(), "rep_ort.pdf");
}

TEST(WhatsAppParserTest, ACustomerKnownOnlyByABsuidIsThatHandleWithNoPhone) {
  auto from_user_id =
      ParseWebhook(ReadFile(CorpusDir() / "whatsapp/meta_docs/bsuid_text_without_phone.json"),
                   SystemClock().Now());
  ASSERT_TRUE(from_user_id.ok()) << from_user_id.status();
  const Event& e = from_user_id->front();
  EXPECT_EQ(e.sender().handle(), "US.13491208655302741918");
  EXPECT_EQ(e.sender().phone(), "");  // never joined to a phone identity
  EXPECT_EQ(e.provider_metadata().at("user_id"), "US.13491208655302741918");
  // Only the contact names the BSUID: the body is about that one customer.
  auto from_contact = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"contacts":[{"profile":{"name":"Bo"},"user_id":"US.ENT.77"}],"messages":[{"id":"wamid.C","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(from_contact.ok()) << from_contact.status();
  EXPECT_EQ(from_contact->front().sender().handle(), "US.ENT.77");
  EXPECT_EQ(from_contact->front().thread_key(), "PN1:US.ENT.77");
  EXPECT_EQ(from_contact->front().sender().display_name(), "Bo");
  // With both, the phone number stays the handle (the customer's thread does not change).
  auto both = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"messages":[{"from":"491","from_user_id":"DE.5","id":"wamid.P","timestamp":"1700000000","type":"text","text":{"body":"hi"}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(both.ok()) << both.status();
  EXPECT_EQ(both->front().sender().handle(), "491");
  EXPECT_EQ(both->front().provider_metadata().at("user_id"), "DE.5");
}

TEST(WhatsAppConnectorTest, AReplyToABsuidNamesItAsRecipient) {
  const auto to_phone = nlohmann::json::parse(CloudApiTextMessage("4915112345678", "hi"));
  EXPECT_EQ(to_phone["to"], "4915112345678");
  EXPECT_FALSE(to_phone.contains("recipient"));
  const auto to_bsuid = nlohmann::json::parse(CloudApiTextMessage("US.13491208655302741918", "hi"));
  EXPECT_EQ(to_bsuid["recipient"], "US.13491208655302741918");
  EXPECT_FALSE(to_bsuid.contains("to"));
  EXPECT_EQ(to_bsuid["text"]["body"], "hi");
}

TEST(WhatsAppParserTest, AValidUserIdIsKeptAndAMalformedOneIgnored) {
  auto with_id = ParseWebhook(ReadFile(CorpusDir() / "whatsapp/courier_wac/hello_user_id.json"),
                              SystemClock().Now());
  ASSERT_TRUE(with_id.ok()) << with_id.status();
  EXPECT_EQ(with_id->front().provider_metadata().at("user_id"), "US.1234");
  auto invalid =
      ParseWebhook(ReadFile(CorpusDir() / "whatsapp/courier_wac/hello_invalid_user_id.json"),
                   SystemClock().Now());
  ASSERT_TRUE(invalid.ok()) << invalid.status();
  EXPECT_FALSE(invalid->front().provider_metadata().contains("user_id"));
  // A field of the wrong type is read as absent, never thrown.
  auto odd = ParseWebhook(
      Body(absl::StrCat(
          "{", kMeta,
          R"(,"messages":[{"from":"491","id":"wamid.F","timestamp":"1700000000","type":"text","text":{"body":"x"},"context":{"forwarded":"yes","id":5}}]})")),
      SystemClock().Now());
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_FALSE(odd->front().provider_metadata().contains("forwarded"));
  EXPECT_EQ(odd->front().reply_to_event_id(), "");
}

TEST(WhatsAppParserTest, MalformedInputIsRejectedWithTheField) {
  const std::string ok_message =
      R"({"from":"491","id":"wamid.X","timestamp":"1700000000","type":"text","text":{"body":"x"}})";
  auto value = [&](const std::string& messages) {
    return Body(absl::StrCat("{", kMeta, R"(,"messages":[)", messages, "]}"));
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{\"object\":", "not valid JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"object":"page","entry":[]})", "object is 'page', not 'whatsapp_business_account'"},
      {R"({"object":"whatsapp_business_account"})", "entry is missing or not an array"},
      {R"({"object":"whatsapp_business_account","entry":[]})", "nothing to route"},
      {R"({"object":"whatsapp_business_account","entry":[{"id":"W"}]})",
       "entry[0].changes is missing"},
      {R"({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages"}]}]})",
       "entry[0].changes[0].value is missing"},
      {Body(R"({"messages":[]})"), "value.metadata.phone_number_id is missing"},
      {Body(absl::StrCat("{", kMeta, "}")), "value.messages is missing or not an array"},
      {value(R"({"from":"491","timestamp":"1","type":"text","text":{"body":"x"}})"),
       "messages[0].id is missing"},
      {value(R"({"id":"w","timestamp":"1","type":"text","text":{"body":"x"}})"),
       "messages[0].from is missing or not a string (nor from_user_id, a BSUID)"},
      {value(
           R"({"id":"w","from_user_id":"bla","timestamp":"1","type":"text","text":{"body":"x"}})"),
       "messages[0].from_user_id 'bla' is neither a phone number nor a user id"},
      {value(
           R"({"id":"w","from_user_id":"us.1","timestamp":"1","type":"text","text":{"body":"x"}})"),
       "messages[0].from_user_id 'us.1' is neither a phone number nor a user id"},
      // Two contacts and no from: whose message it is cannot be told.
      {Body(absl::StrCat(
           "{", kMeta,
           R"(,"contacts":[{"user_id":"US.1"},{"user_id":"US.2"}],"messages":[{"id":"w","timestamp":"1","type":"text","text":{"body":"x"}}]})")),
       "messages[0].from is missing"},
      {value(R"({"id":"w","from":"491","timestamp":17,"type":"text"})"),
       "messages[0].text.body is missing"},
      {value(R"({"id":"w","from":"491","timestamp":"1","type":"image","image":{}})"),
       "messages[0].image.id is missing"},
      {value(R"({"id":"w","from":"491","timestamp":"1","type":"edit"})"),
       "messages[0].edit is missing or not an object"},
      {value(
           R"({"id":"w","from":"491","timestamp":"1","type":"edit","edit":{"message":{"type":"text","text":{"body":"x"}}}})"),
       "messages[0].edit.original_message_id is missing"},
      {value(
           R"({"id":"w","from":"491","timestamp":"1","type":"edit","edit":{"original_message_id":"o"}})"),
       "messages[0].edit.message is missing or not an object"},
      {value(
           R"({"id":"w","from":"491","timestamp":"1","type":"edit","edit":{"original_message_id":"o","message":{}}})"),
       "messages[0].edit.message.type is missing"},
      {value(
           R"({"id":"w","from":"491","timestamp":"1","type":"edit","edit":{"original_message_id":"o","message":{"type":"text","text":{}}}})"),
       "messages[0].edit.message.text.body is missing"},
      {value(R"({"id":"w","from":"491","timestamp":"1","type":"hologram"})"),
       "messages[0].type 'hologram' is not supported"},
      {value(absl::StrCat(ok_message, R"(,{"id":"w","from":"491","timestamp":[],"type":"text"})")),
       "messages[1].timestamp is missing or not a Unix time"},
      {value(R"({"id":"w","from":"+491","timestamp":"1","type":"text","text":{"body":"x"}})"),
       "from '+491' is neither a phone number nor a user id"},
      {Body(absl::StrCat("{", kMeta,
                         R"(,"statuses":[{"id":"w","status":"read","timestamp":"1"}]})")),
       "statuses[0].recipient_id is missing"},
  };
  ExpectRejections(cases, ParseWebhook);
}

InboundRequest Signed(const std::string& body, const std::string& secret) {
  InboundRequest request;
  request.method = "POST";
  request.path = "/whatsapp/webhook";
  request.body = body;
  request.headers.emplace_back(
      "X-Hub-Signature-256",
      "sha256=" + absl::BytesToHexString(ToAbsl(Hmac(Digest::kSha256, secret, body))));
  return request;
}

TEST(WhatsAppSignatureTest, OnlyTheAppSecretsHmacOverTheRawBytesIsAccepted) {
  const std::string body = ReadFile(CorpusDir() / "whatsapp/courier_wac/hello.json");
  auto ok = NormalizeWebhook("app-secret", Signed(body, "app-secret"), SystemClock().Now());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 1u);

  auto forged = NormalizeWebhook("app-secret", Signed(body, "other"), SystemClock().Now());
  EXPECT_EQ(forged.status().code(), absl::StatusCode::kUnauthenticated);
  // One byte changed after signing (a re-serialized body) no longer matches.
  InboundRequest tampered = Signed(body, "app-secret");
  tampered.body += " ";
  EXPECT_EQ(NormalizeWebhook("app-secret", tampered, SystemClock().Now()).status().code(),
            absl::StatusCode::kUnauthenticated);
  InboundRequest unsigned_request = Signed(body, "app-secret");
  unsigned_request.headers.clear();
  auto missing = NormalizeWebhook("app-secret", unsigned_request, SystemClock().Now());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(missing.status().message().find("missing X-Hub-Signature-256"),
            absl::string_view::npos);
  // The signature is checked before the body is parsed: garbage with a bad signature is 403.
  EXPECT_EQ(
      NormalizeWebhook("app-secret", Signed("{", "other"), SystemClock().Now()).status().code(),
      absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(NormalizeWebhook("app-secret", Signed("{", "app-secret"), SystemClock().Now())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace omni::connectors::whatsapp
