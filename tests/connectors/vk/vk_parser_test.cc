// Every VK corpus file is either normalized (key fields checked) or rejected with the reason
// expected here; a corpus file missing from the table fails the test. Callback API bodies and Long
// Poll responses both; plus the other update types, malformed input, the secret, the confirmation
// answer, random_id and messages.send's answers.
#include "connectors/vk/vk_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/vk/vk_connector.h"
#include "connectors/vk/vk_factory.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::vk {
namespace {

using omnibroker::v1::Event;
using testing::CorpusDir;
using testing::ReadFile;

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  std::string id, thread, sender, text;
  std::vector<std::pair<std::string, std::string>> attachments;  // (content type, url)
  std::string language;
  int64_t group = 0;  // the connector's configured community (courier's bodies name none)
  int64_t seconds = 0;  // occurred_at; -1 when the update carries no date (the time received)
  std::map<std::string, std::string> metadata;
  std::string reply_to;
  std::string dropped;  // the type it is acknowledged and dropped as (not_customer_traffic.h)
};

Expected Rejected(std::string why, int64_t group = 0) {
  Expected e{std::move(why)};
  e.group = group;
  return e;
}
// nyaruka/courier's bodies: a private dialog with user 123456, no group_id, message id 1.
Expected Courier(std::string text, std::vector<std::pair<std::string, std::string>> attachments) {
  Expected e{"", "vk:42:123456:1", "42:123456", "123456", std::move(text), std::move(attachments)};
  e.group = 42;
  e.seconds = 1580125800;
  return e;
}

const std::pair<std::string, std::string> kGraffiti = {"image/png", "https://foo.bar/graffiti.png"};
const std::pair<std::string, std::string> kAudioMp3 = {"audio/mpeg", "https://foo.bar/audio.mp3"};

Expected VoiceInChat() {
  Expected e{
      "",
      "vk:183287114:2000000053:518107",
      "183287114:2000000053",
      "526252082",
      "",
      {{"audio/ogg", "https://psv4.userapi.com/c852536//u526252082/audiomsg/d12/c02eb6b2fb.ogg"}},
      "ru"};
  e.seconds = 1584565364;
  e.metadata = {{"event_id", "ccb98c9b065a00f21971a50830751a274f59f515"}, {"type", "message_new"}};
  return e;
}

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"vk_callback_message_new_audio_message_voice.json", VoiceInChat()},
      // Built from the bots' keyboard reference: a callback button pressed, its payload the text.
      {"docs/vk_callback_message_event.json",
       [] {
         Expected e{"", "vk:183287114:526252082:button:3b7e42b1a9f0", "183287114:526252082",
                    "526252082", R"({"button":"order_status"})"};
         e.seconds = -1;
         e.reply_to = "vk:183287114:526252082:518107";
         e.metadata = {{"type", "message_event"}, {"payload", R"({"button":"order_status"})"}};
         return e;
       }()},
      // Built from the Callback API's event reference: someone joined the community.
      {"docs/vk_callback_group_join.json",
       [] {
         Expected e;
         e.dropped = "group_join";
         return e;
       }()},
      {"vk_callback_message_new_wall_repost_emoji.json",
       [] {
         Expected e{"",
                    "vk:122914195:2000000266:59602",
                    "122914195:2000000266",
                    "212080679",
                    "🙏🏻🙏🏻🙏🏻🤞🏻🌚",
                    {{"text/html", "https://vk.com/wall212080679_3362"}},
                    "ru"};
         e.seconds = 1584555168;
         return e;
       }()},
      {"vk_longpoll_response_audio_message_voice.json",
       [] {
         Expected e = VoiceInChat();
         e.metadata["ts"] = "2898704";
         return e;
       }()},
      {"vk_longpoll_response_photo_in_chat_cyrillic.json",
       [] {
         Expected e{"",
                    "vk:183287114:2000000279:241661",
                    "183287114:2000000279",
                    "555644284",
                    "Чувак могёт ракетами кидаться",
                    {{"image/jpeg",
                      "https://sun9-3.userapi.com/c857236/v857236595/124a59/nJXapHnUbeo.jpg"}},
                    "ru"};
         e.seconds = 1584566394;
         e.metadata = {{"ts", "2899180"}, {"peer_id", "2000000279"}};
         return e;
       }()},
      // Keyboards courier sends out with messages.send: not updates at all.
      {"courier/extracted/vk_keyboardJson.json", Rejected("type is missing")},
      {"courier/extracted/vk_locationAndURLKeyboardJson.json", Rejected("type is missing")},
      {"courier/extracted/vk_singleButtonKeyboardJson.json", Rejected("type is missing")},
      {"courier/extracted/vk_msgEmpty.json",
       Rejected("object.message.text is empty and there are no attachments or location", 42)},
      {"courier/extracted/vk_msgFirstAudioAttachment.json", Courier("", {kAudioMp3, kGraffiti})},
      {"courier/extracted/vk_msgFirstDocAttachment.json",
       Courier("", {{"application/octet-stream", "https://foo.bar/doc.pdf"}, kAudioMp3})},
      {"courier/extracted/vk_msgFirstPhotoAttachment.json",
       Courier("", {{"image/jpeg", "https://foo.bar/y-photo.jpg"}, kGraffiti})},
      {"courier/extracted/vk_msgFirstStickerAttachment.json",
       Courier("", {{"image/png", "https://foo.bar/256x256_sticker.png"}, kGraffiti})},
      {"courier/extracted/vk_msgGeolocationOnly.json",
       [] {
         Expected e = Courier("location: -9.652278,-35.701095", {});
         e.metadata = {{"latitude", "-9.652278"}, {"longitude", "-35.701095"}};
         return e;
       }()},
      {"courier/extracted/vk_msgKeyboard.json",
       [] {
         Expected e = Courier("Yes", {});
         e.metadata = {{"payload", "\"Yes\""}};
         return e;
       }()},
  };
  return *table;
}

TEST(VkCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  testing::CheckEveryCorpusFile(
      "vk", Table(), [&](const std::string& name, const std::string& body, const Expected& want) {
        auto events = name.find("longpoll") != std::string::npos
                          ? ParseLongPoll(body, want.group, SystemClock().Now())
                          : ParseCallback(body, want.group, SystemClock().Now());
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
        EXPECT_EQ(e.kind(), omnibroker::v1::EVENT_KIND_MESSAGE);
        EXPECT_EQ(e.provider(), "vk");
        EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_MESSENGER);
        EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
        EXPECT_EQ(e.thread_key(), want.thread);
        EXPECT_EQ(e.sender().provider(), "vk");
        EXPECT_EQ(e.sender().handle(), want.sender);
        if (want.seconds != -1) EXPECT_EQ(e.occurred_at().seconds(), want.seconds);
        EXPECT_EQ(e.content().text(), want.text);
        EXPECT_EQ(e.language(), want.language);
        EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
        ASSERT_EQ(e.content().attachments_size(), static_cast<int>(want.attachments.size()));
        for (int i = 0; i < e.content().attachments_size(); ++i) {
          EXPECT_EQ(e.content().attachments(i).content_type(), want.attachments[i].first);
          EXPECT_EQ(e.content().attachments(i).url(), want.attachments[i].second);
        }
        for (const auto& [key, value] : want.metadata) {
          ASSERT_TRUE(e.provider_metadata().contains(key)) << key;
          EXPECT_EQ(e.provider_metadata().at(key), value) << key;
        }
      });
}

std::string Update(const std::string& type, const std::string& object) {
  return R"({"type":")" + type + R"(","group_id":7,"event_id":"ev1","v":"5.199","object":)" +
         object + "}";
}
std::vector<Event> ParseOk(const std::string& body) {
  auto events = ParseCallback(body, 7, SystemClock().Now());
  EXPECT_TRUE(events.ok()) << body << " -> " << events.status();
  return events.ok() ? *events : std::vector<Event>{};
}
constexpr char kMessage[] =
    R"("date":1700000000,"from_id":5,"peer_id":5,"id":31,"conversation_message_id":9,"out":0)";

// A document's title is the sender's to pick: no path, line break or bidirectional override of it
// reaches the agent or a file saved under it.
TEST(VkParserTest, ADocumentsTitleIsMadeASafeFileName) {
  auto events = ParseOk(Update(
      "message_new", std::string(R"({"message":{)") + kMessage +
                         R"(,"text":"","attachments":[{"type":"doc","doc":{"owner_id":5,"id":2,
                            "url":"https://vk.com/doc5_2","size":3,"title":"a/b/inv\u202Efdp.exe"}}]}})"));
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].content().attachments_size(), 1);
  EXPECT_EQ(events[0].content().attachments(0).filename(), "inv_fdp.exe");
}

TEST(VkParserTest, ReplyEditReadAndPermissions) {
  auto reply = ParseOk(
      Update("message_new",
             std::string(R"({"message":{)") + kMessage +
                 R"(,"text":"and this?","reply_message":{"id":30,"conversation_message_id":8},
                                                 "fwd_messages":[{"id":1}]},"client_info":{"lang_id":3}})"));
  ASSERT_EQ(reply.size(), 1u);
  EXPECT_EQ(reply[0].id(), "vk:7:5:9");
  EXPECT_EQ(reply[0].reply_to_event_id(), "vk:7:5:8");
  EXPECT_EQ(reply[0].language(), "en");
  EXPECT_EQ(reply[0].provider_metadata().at("forwarded_messages"), "1");

  auto edit = ParseOk(Update("message_edit", std::string("{") + kMessage +
                                                 R"(,"text":"fixed","update_time":1700000100})"));
  ASSERT_EQ(edit.size(), 1u);
  EXPECT_EQ(edit[0].kind(), omnibroker::v1::EVENT_KIND_EDIT);
  EXPECT_EQ(edit[0].id(), "vk:7:5:9:edit:1700000100");
  EXPECT_EQ(edit[0].reply_to_event_id(), "vk:7:5:9");
  EXPECT_EQ(edit[0].occurred_at().seconds(), 1700000100);
  EXPECT_EQ(edit[0].content().text(), "fixed");

  auto read = ParseOk(
      Update("message_read",
             R"({"from_id":5,"peer_id":5,"read_message_id":40,"conversation_message_id":12})"));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].kind(), omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  EXPECT_EQ(read[0].id(), "vk:7:5:12:read");
  EXPECT_EQ(read[0].reply_to_event_id(), "vk:7:5:12");

  auto deny = ParseOk(Update("message_deny", R"({"user_id":5})"));
  ASSERT_EQ(deny.size(), 1u);
  EXPECT_EQ(deny[0].kind(), omnibroker::v1::EVENT_KIND_SYSTEM);
  EXPECT_EQ(deny[0].id(), "vk:7:5:deny:ev1");
  EXPECT_EQ(deny[0].thread_key(), "7:5");
  EXPECT_NE(deny[0].content().text().find("replies fail"), std::string::npos);
  auto allow = ParseOk(Update("message_allow", R"({"user_id":5,"key":"k"})"));
  ASSERT_EQ(allow.size(), 1u);
  EXPECT_EQ(allow[0].id(), "vk:7:5:allow:ev1");
}

// The community's own messages, typing, chat service messages and the Callback API's other notice
// types (VK's Callback API event reference) carry no customer message: acknowledged and counted by
// type, never refused (VK switches a server off that keeps refusing).
TEST(VkParserTest, NoticesAreDroppedUnderTheirType) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Update("message_reply", std::string("{") + kMessage + R"(,"text":"our answer","out":1})"),
       "message_reply"},
      {Update("message_typing_state", R"({"state":"typing","from_id":5,"to_id":-7})"),
       "message_typing_state"},
      {Update("message_new",
              std::string(R"({"message":{)") + kMessage +
                  R"(,"text":"","action":{"type":"chat_invite_user","member_id":5}}})"),
       "service_message"},
      {Update("message_new",
              R"({"message":{"date":1,"from_id":5,"peer_id":5,"id":3,"out":1,"text":"x"}})"),
       "outgoing"},
      {R"({"type":"confirmation","group_id":7})", "confirmation"},
      {Update("group_join", R"({"user_id":5,"join_type":"join"})"), "group_join"},
      {Update("wall_post_new", R"({"id":28,"from_id":-7,"owner_id":-7,"date":1,"text":"news"})"),
       "wall_post_new"},
      {Update("like_add",
              R"({"liker_id":5,"object_type":"post","object_owner_id":-7,"object_id":28})"),
       "like_add"},
  };
  for (const auto& [body, type] : cases) {
    auto events = ParseCallback(body, 7, SystemClock().Now());
    EXPECT_EQ(NotCustomerTrafficKind(events.status()), type) << body << " -> " << events.status();
  }
}

TEST(VkParserTest, LongPollFansOutAndIsToldApartByMode) {
  const nlohmann::json photo = nlohmann::json::parse(
      ReadFile(CorpusDir() / "vk" / "vk_longpoll_response_photo_in_chat_cyrillic.json"));
  const nlohmann::json voice = nlohmann::json::parse(
      ReadFile(CorpusDir() / "vk" / "vk_longpoll_response_audio_message_voice.json"));
  nlohmann::json both = photo;
  both["updates"].push_back(voice["updates"][0]);
  both["updates"].push_back(nlohmann::json{{"type", "message_typing_state"},
                                           {"group_id", 183287114},
                                           {"object", {{"state", "typing"}}}});
  auto factory = MakeVkFactory();
  ConnectorConfig longpoll{"vk", "vk", {{"mode", "longpoll"}, {"group_id", "183287114"}}};
  InboundRequest request{"", "", {}, both.dump()};
  auto events = factory->Normalize(longpoll, request, SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].id(), "vk:183287114:2000000279:241661");
  EXPECT_EQ((*events)[1].id(), "vk:183287114:2000000053:518107");

  // The same bytes posted to a Callback API server carry no secret: refused as unauthenticated.
  ConnectorConfig callback{"vk", "vk", {{"secret", "s3cret"}}};
  auto refused = factory->Normalize(callback, request, SystemClock().Now());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated) << refused.status();

  ConnectorConfig unknown{"vk", "vk", {{"mode", "polling"}}};
  EXPECT_EQ(factory->Normalize(unknown, request, SystemClock().Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(factory->Create(longpoll).ok());  // no poller: the running connector is Callback

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"failed":2})", "long poll failed=2"},
      {R"({"ts":"1"})", "updates is missing"},
      {R"({"ts":"1","updates":[1]})", "updates[0].update must be a JSON object"},
      {R"({"ts":"1","updates":[{"type":"message_new","group_id":9,"object":{}}]})",
       "updates[0].group_id 9 is not this connector's community 183287114"},
      {R"({"ts":"1","updates":[{"type":"message_new","group_id":183287114,"object":{"message":{}}}]})",
       "updates[0].object.message.from_id is missing"},
  };
  for (const auto& [body, why] : bad) {
    auto result = ParseLongPoll(body, 183287114, SystemClock().Now());
    ASSERT_FALSE(result.ok()) << body;
    EXPECT_NE(result.status().message().find(why), absl::string_view::npos) << result.status();
  }
}

TEST(VkParserTest, MalformedInputIsRejectedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{\"type\":", "not valid JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"group_id":7})", "type is missing"},
      {R"({"type":"message_new","group_id":8,"object":{}})",
       "group_id 8 is not this connector's community 7"},
      {R"({"type":"message_new","group_id":7})", "object is missing"},
      {Update("hologram_new", "{}"), "unsupported type 'hologram_new'"},
      {Update("message_event", R"({"peer_id":5,"event_id":"e","payload":{}})"),
       "object.user_id is missing"},
      {Update("message_event", R"({"user_id":5,"payload":{}})"), "object.event_id is missing"},
      {Update("message_event", R"({"user_id":5,"event_id":"e"})"), "object.payload is missing"},
      {Update("message_new", R"({"message":{"date":1,"peer_id":5,"id":3,"text":"x"}})"),
       "object.message.from_id is missing"},
      {Update("message_new", R"({"message":{"date":1,"from_id":5,"text":"x"}})"),
       "object.message.conversation_message_id/id is missing"},
      {Update("message_new", R"({"message":{"from_id":5,"id":3,"text":"x"}})"),
       "object.message.date is missing"},
      {Update("message_new", R"({"message":{"from_id":"5","id":3,"date":1,"text":"x"}})"),
       "object.message.from_id is missing"},
      {Update("message_edit", R"({"from_id":5,"id":3,"date":1})"), "object.text is empty"},
      {Update("message_read", R"({"from_id":5})"), "conversation_message_id/read_message_id"},
      {Update("message_deny", R"({})"), "object.user_id is missing"},
      {R"({"type":"message_allow","group_id":7,"object":{"user_id":5}})", "event_id is missing"},
  };
  for (const auto& [body, why] : cases) {
    auto events = ParseCallback(body, 7, SystemClock().Now());
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
  // Without a configured community, an update must name its own.
  auto anonymous = ParseCallback(R"({"type":"message_new","object":{}})", 0, SystemClock().Now());
  EXPECT_NE(anonymous.status().message().find("group_id is missing"), absl::string_view::npos)
      << anonymous.status();
}

InboundRequest Post(const std::string& body) {
  return InboundRequest{"POST", "/vk/callback", {}, body};
}

TEST(VkSecretTest, TheBodysSecretIsCheckedBeforeAnythingIsParsed) {
  const std::string body =
      Update("message_new", std::string(R"({"message":{)") + kMessage + R"(,"text":"hi"}})");
  auto with = [&](const std::string& secret) {
    nlohmann::json j = nlohmann::json::parse(body);
    j["secret"] = secret;
    return j.dump();
  };
  EXPECT_TRUE(NormalizeCallback("s3cret", 7, Post(with("s3cret")), SystemClock().Now()).ok());
  const std::vector<std::pair<std::string, std::string>> refused = {
      {body, "missing VK Callback API secret"},
      {with("s3cre"), "does not match"},
      {with("S3CRET"), "does not match"},
      // Forged and malformed: refused for the secret, not parsed.
      {R"({"type":"wall_post_new","secret":"x"})", "does not match"},
      {R"({"secret":"x"})", "does not match"},
  };
  for (const auto& [request, why] : refused) {
    auto events = NormalizeCallback("s3cret", 7, Post(request), SystemClock().Now());
    ASSERT_FALSE(events.ok()) << request;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kUnauthenticated) << request;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos) << events.status();
  }
  EXPECT_EQ(NormalizeCallback("", 7, Post(with("x")), SystemClock().Now()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(VkSecretTest, ConfirmationIsAnsweredWithTheConfiguredStringOnlyWhenAuthentic) {
  const std::string confirm = R"({"type":"confirmation","group_id":7,"secret":"s3cret"})";
  auto answer = AnswerConfirmation("s3cret", 7, "d8v2ve07", Post(confirm));
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(*answer, std::optional<std::string>("d8v2ve07"));
  EXPECT_EQ(AnswerConfirmation("s3cret", 0, "d8v2ve07", Post(confirm)).value(),
            std::optional<std::string>("d8v2ve07"));
  EXPECT_EQ(AnswerConfirmation("other", 7, "d8v2ve07", Post(confirm)).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AnswerConfirmation("s3cret", 8, "d8v2ve07", Post(confirm)).status().code(),
            absl::StatusCode::kPermissionDenied);
  for (const std::string other : {"", "not json", R"({"type":"message_new","secret":"s3cret"})"}) {
    auto none = AnswerConfirmation("s3cret", 7, "d8v2ve07", Post(other));
    ASSERT_TRUE(none.ok()) << other;
    EXPECT_FALSE(none->has_value()) << other;
  }
}

TEST(VkSendTest, RandomIdIsAStable31BitHashOfTheEventId) {
  EXPECT_EQ(RandomId("e_01"), RandomId("e_01"));
  EXPECT_NE(RandomId("e_01"), RandomId("e_02"));
  EXPECT_EQ(RandomId(""), 2166136261u & 0x7fffffff);  // FNV-1a's offset basis, masked
  for (const char* id : {"a", "e_01", "0123456789abcdef0123456789abcdef"}) {
    EXPECT_GT(RandomId(id), 0) << id;
  }
}

TEST(VkSendTest, ProviderErrorsMapToActionableCodes) {
  const std::vector<std::tuple<int, std::string, absl::StatusCode, std::string>> cases = {
      {200, R"({"response":123})", absl::StatusCode::kOk, ""},
      {200,
       R"({"error":{"error_code":901,"error_msg":"Can't send messages for users without permission"}})",
       absl::StatusCode::kFailedPrecondition, "they must write to it"},
      {200, R"({"error":{"error_code":902,"error_msg":"privacy"}})",
       absl::StatusCode::kFailedPrecondition, "privacy"},
      {200, R"({"error":{"error_code":6,"error_msg":"Too many requests per second"}})",
       absl::StatusCode::kUnavailable, "Too many requests"},
      {200, R"({"error":{"error_code":9,"error_msg":"Flood control"}})",
       absl::StatusCode::kUnavailable, "Flood"},
      {200, R"({"error":{"error_code":10,"error_msg":"Internal server error"}})",
       absl::StatusCode::kUnavailable, "error 10"},
      {200, R"({"error":{"error_code":5,"error_msg":"User authorization failed"}})",
       absl::StatusCode::kPermissionDenied, "authorization failed"},
      {200,
       R"({"error":{"error_code":100,"error_msg":"One of the parameters specified was missing or invalid"}})",
       absl::StatusCode::kInvalidArgument, "error 100"},
      {200, R"({"something":1})", absl::StatusCode::kUnavailable, "without response or error"},
      {200, "<html>", absl::StatusCode::kUnavailable, "not JSON"},
      {502, "bad gateway", absl::StatusCode::kUnavailable, "502"},
  };
  for (const auto& [http, body, code, why] : cases) {
    const absl::Status s = StatusFromMessagesSend(ProviderResponse{http, body});
    EXPECT_EQ(s.code(), code) << body;
    EXPECT_NE(s.message().find(why), absl::string_view::npos) << s;
  }
}

}  // namespace
}  // namespace omni::connectors::vk
