// Every Viber corpus file is either normalized (key fields checked) or rejected with the reason
// expected here; a corpus file missing from the table fails the test. The captured .http request
// is verified with its real signature. Plus malformed input, signatures and send_message answers.
#include "connectors/viber/viber_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "absl/strings/escaping.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/sdk/signature.h"
#include "connectors/viber/viber_connector.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::viber {
namespace {

using omnibroker::v1::Event;
using testing::CorpusDir;
using testing::ReadFile;

// The auth token viber-bot-python's test_verify_signature signs the captured request with.
constexpr char kCapturedToken[] = "44dafb7e0f40021e-61a47a1e6778d187-f2c5a676a07050b3";
constexpr char kToken[] = "4912661846655238145";
constexpr char kCourierToken[] = "4987381189870374000";

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  int events = 1;     // 0 for a callback answered without an event
  std::string id, thread, sender, text;
  omnibroker::v1::EventKind kind = omnibroker::v1::EVENT_KIND_MESSAGE;
  std::string reply_to;
  std::map<std::string, std::string> metadata;  // a subset of provider_metadata
  std::string language;
  int64_t seconds = 1457764197;  // occurred_at
  std::string attachment_url;    // of the single attachment, "" = none
  std::string dropped;  // the kind it is acknowledged and dropped as (not_customer_traffic.h)
};

Expected Message(std::string id, std::string thread, std::string sender, std::string text) {
  return Expected{"", 1, std::move(id), std::move(thread), std::move(sender), std::move(text)};
}
Expected Status(std::string event, std::string text = "") {
  Expected e =
      Message(absl::StrCat("viber:", kToken, ":", event), "01234567890A=", "", std::move(text));
  e.kind = omnibroker::v1::EVENT_KIND_DELIVERY_STATUS;
  e.reply_to = absl::StrCat("viber:", kToken);
  e.metadata = {{"status", event}, {"message_token", kToken}};
  return e;
}
Expected System(std::string event, std::string sender, std::string text) {
  Expected e = Message(absl::StrCat("viber:", kToken, ":", event),
                       "01234567890A=", std::move(sender), std::move(text));
  e.kind = omnibroker::v1::EVENT_KIND_SYSTEM;
  return e;
}
Expected Courier(std::string text, std::map<std::string, std::string> metadata) {
  Expected e = Message(absl::StrCat("viber:", kCourierToken), "xy5/5y6O81+/kbWHpLhBoA==", "ET3",
                       std::move(text));
  e.metadata = std::move(metadata);
  e.seconds = 1481142112;
  return e;
}
Expected Dropped(std::string kind) {
  Expected e{"", 0};
  e.dropped = std::move(kind);
  return e;
}
Expected Rejected(std::string why) { return Expected{std::move(why)}; }

const char kUnsubscribedText[] =
    "customer unsubscribed from the bot: Viber refuses replies until they write again";

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"viber_delivered.json", Status("delivered")},
      {"viber_delivered_short_token.json",
       [] {
         Expected e = Status("delivered");
         e.id = "viber:491266184665523145:delivered";
         e.reply_to = "viber:491266184665523145";
         e.metadata = {{"message_token", "491266184665523145"}};
         return e;
       }()},
      {"viber_failed.json", Status("failed", "delivery failed: failure description.")},
      {"viber_message_text_unicode.json",
       [] {
         Expected e = Message(absl::StrCat("viber:", kToken), "01234567890A=",
                              "ふで都急ぼちラり面関ごル期販ずラ否裁ぞるめ数努むや正記味てょ",
                              "批封廟根縄華勢田郎報株聞。変宝長独部鉱内出殺反提似惑金参勧車査真測。"
                              "見名基現画府日室事集百"
                              "藤米。発目本当党考万名東拓学早職表治月佐。町要静子呉遊推写間確長無読"
                              "死覧件一盛治融。");
         e.metadata = {
             {"tracking_data", "אל תעקוב אחרי!"}, {"api_version", "2"}, {"message_token", kToken}};
         return e;
       }()},
      {"viber_seen.json", Status("seen")},
      {"viber_signed_webhook_check.http", Dropped("webhook")},
      {"viber_unsubscribed.json", System("unsubscribed", "", kUnsubscribedText)},
      {"courier/extracted/viber_deliveredStatusReport.json", Status("delivered")},
      {"courier/extracted/viber_failedStatusReport.json",
       Status("failed", "delivery failed: failure description")},
      {"courier/extracted/viber_invalidURNMsg.json",
       Rejected("sender.id 'xy5/5$$**y6O81+/kbWHpLhBoA==' is not a Viber user id")},
      {"courier/extracted/viber_invalidURNUnsubscribed.json",
       Rejected("user_id '012345678$$%**90A=' is not a Viber user id")},
      {"courier/extracted/viber_receiveInvalidMessageType.json",
       Rejected("unsupported message.type 'unknown'")},
      {"courier/extracted/viber_rejectedMessage.json", Rejected("message.text is missing")},
      {"courier/extracted/viber_rejectedVideo.json", Rejected("message.media is missing")},
      {"courier/extracted/viber_unexpectedEvent.json", Rejected("unsupported event 'unexpected'")},
      // The user opened the chat screen: no message, so no conversation.
      {"courier/extracted/viber_validConversationStarted.json", Dropped("conversation_started")},
      {"courier/extracted/viber_validReceiveContact.json",
       Courier("incoming msg", {{"contact_phone", "+12067799191"}, {"message_type", "contact"}})},
      {"courier/extracted/viber_validReceiveLocation.json",
       Courier("incoming msg", {{"latitude", "1.2"}, {"longitude", "-1.3"}})},
      {"courier/extracted/viber_validReceiveURL.json",
       Courier("incoming msg", {{"url", "http://foo.com/"}, {"tracking_data", "3055"}})},
      {"courier/extracted/viber_validSubscribed.json",
       [] {
         Expected e = System("subscribed", "yarden", "customer subscribed to the bot");
         e.language = "en";
         e.metadata = {{"country", "IL"}, {"api_version", "1"}};
         return e;
       }()},
      {"courier/extracted/viber_validUnsubscribed.json",
       System("unsubscribed", "", kUnsubscribedText)},
      {"courier/extracted/viber_webhookCheck.json", Dropped("webhook")},
      // The REST Bot API's sticker message with its sticker_id written as a digit string.
      {"docs/viber_sticker_id_digit_string.json",
       [] {
         Expected e = Message(absl::StrCat("viber:", kToken), "01234567890A=", "John McClane", "");
         e.language = "en";
         e.attachment_url = "viber-sticker:40133";
         e.metadata = {{"message_type", "sticker"}, {"tracking_data", "tracking data"}};
         return e;
       }()},
  };
  return *table;
}

// A captured raw HTTP/1.1 request: request line, headers, blank line, body.
InboundRequest ParseHttpCapture(const std::string& raw) {
  InboundRequest request;
  const size_t end = raw.find("\r\n\r\n");
  EXPECT_NE(end, std::string::npos);
  request.body = raw.substr(end + 4);
  std::string_view head(raw.data(), end);
  const size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  request.method = std::string(line.substr(0, line.find(' ')));
  const size_t path_start = line.find(' ') + 1;
  request.path = std::string(line.substr(path_start, line.rfind(' ') - path_start));
  head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
  while (!head.empty()) {
    const size_t next = head.find("\r\n");
    std::string_view header = head.substr(0, next);
    const size_t colon = header.find(':');
    std::string_view value = header.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    request.headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
    head.remove_prefix(next == std::string_view::npos ? head.size() : next + 2);
  }
  return request;
}

TEST(ViberCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  testing::CheckEveryCorpusFile(
      "viber", Table(),
      [&](const std::string& name, const std::string& body, const Expected& want) {
        auto events =
            name.ends_with(".http")
                ? NormalizeCallback(kCapturedToken, ParseHttpCapture(body), SystemClock().Now())
                : ParseCallback(body, SystemClock().Now());
        if (!want.dropped.empty()) {
          EXPECT_TRUE(testing::DroppedAs(events.status(), want.dropped));
          return;
        }
        if (!want.error.empty()) {
          EXPECT_TRUE(testing::RejectedWith(events.status(), want.error));
          return;
        }
        ASSERT_TRUE(events.ok()) << events.status();
        ASSERT_EQ(events->size(), static_cast<size_t>(want.events));
        if (want.events == 0) return;
        const Event& e = events->front();
        EXPECT_EQ(e.id(), want.id);
        EXPECT_EQ(e.kind(), want.kind);
        EXPECT_EQ(e.provider(), "viber");
        EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_MESSENGER);
        EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
        EXPECT_EQ(e.sender().provider(), "viber");
        EXPECT_EQ(e.sender().handle(), want.thread);
        EXPECT_EQ(e.thread_key(), want.thread);
        EXPECT_EQ(e.occurred_at().seconds(), want.seconds);
        EXPECT_EQ(e.sender().display_name(), want.sender);
        EXPECT_EQ(e.content().text(), want.text);
        EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
        EXPECT_EQ(e.language(), want.language);
        if (want.attachment_url.empty()) {
          EXPECT_EQ(e.content().attachments_size(), 0);
        } else {
          ASSERT_EQ(e.content().attachments_size(), 1);
          EXPECT_EQ(e.content().attachments(0).url(), want.attachment_url);
        }
        for (const auto& [key, value] : want.metadata) {
          ASSERT_TRUE(e.provider_metadata().contains(key)) << key;
          EXPECT_EQ(e.provider_metadata().at(key), value) << key;
        }
      });
}

std::vector<Event> ParseOk(const std::string& body) {
  auto events = ParseCallback(body, SystemClock().Now());
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? *events : std::vector<Event>{};
}

// A file's name is the sender's to pick: no path, line break or bidirectional override of it
// reaches the agent or a file saved under it; a picture with no name keeps none.
TEST(ViberParserTest, AFileNameTheSenderChoseIsMadeSafe) {
  const std::string head =
      R"({"event":"message","timestamp":1700000000123,"message_token":7,
          "sender":{"id":"AbC+/9==","name":"Ana"},"message":)";
  auto file = ParseOk(head + R"({"type":"file","media":"https://m/f","size":10,
                                 "file_name":"../../invoice\u202Efdp.exe"}})");
  ASSERT_EQ(file.size(), 1u);
  ASSERT_EQ(file[0].content().attachments_size(), 1);
  EXPECT_EQ(file[0].content().attachments(0).filename(), "invoice_fdp.exe");
  auto picture = ParseOk(head + R"({"type":"picture","media":"https://m/p.jpg","size":1}})");
  ASSERT_EQ(picture.size(), 1u);
  EXPECT_EQ(picture[0].content().attachments(0).filename(), "");
}

TEST(ViberParserTest, MediaBecomeReferencesWithTypeSizeAndName) {
  const std::string head =
      R"({"event":"message","timestamp":1700000000123,"message_token":18446744073709551615,
          "sender":{"id":"AbC+/9==","name":"Ana","language":"es","country":"ES","api_version":7},
          "message":)";
  auto picture = ParseOk(head + R"({"type":"picture","text":"look","media":"https://m/p.jpg",
                                    "size":2048,"file_name":"p.jpg"}})");
  ASSERT_EQ(picture.size(), 1u);
  const Event& e = picture.front();
  EXPECT_EQ(e.id(), "viber:18446744073709551615");  // above 2^63 and still exact
  EXPECT_EQ(e.language(), "es");
  EXPECT_EQ(e.occurred_at().seconds(), 1700000000);
  EXPECT_EQ(e.occurred_at().nanos(), 123000000);
  EXPECT_EQ(e.content().text(), "look");
  ASSERT_EQ(e.content().attachments_size(), 1);
  EXPECT_EQ(e.content().attachments(0).url(), "https://m/p.jpg");
  EXPECT_EQ(e.content().attachments(0).content_type(), "image/jpeg");
  EXPECT_EQ(e.content().attachments(0).size_bytes(), 2048);
  EXPECT_EQ(e.content().attachments(0).filename(), "p.jpg");
  EXPECT_EQ(e.provider_metadata().at("country"), "ES");

  const std::vector<std::tuple<std::string, std::string, std::string>> media = {
      {R"({"type":"video","media":"https://m/v.mp4","size":10,"duration":3}})", "video/mp4",
       "https://m/v.mp4"},
      {R"({"type":"file","media":"https://m/f.pdf","size":10,"file_name":"f.pdf"}})",
       "application/octet-stream", "https://m/f.pdf"},
      {R"({"type":"sticker","sticker_id":46105}})", "image/png", "viber-sticker:46105"},
      {R"({"type":"sticker","sticker_id":"40133"}})", "image/png", "viber-sticker:40133"},
      {R"({"type":"sticker","sticker_id":"40133","media":"https://m/s.png"}})", "image/png",
       "https://m/s.png"},
  };
  for (const auto& [message, type, url] : media) {
    auto events = ParseOk(head + message);
    ASSERT_EQ(events.size(), 1u) << message;
    ASSERT_EQ(events[0].content().attachments_size(), 1) << message;
    EXPECT_EQ(events[0].content().attachments(0).content_type(), type);
    EXPECT_EQ(events[0].content().attachments(0).url(), url);
  }
  auto contact =
      ParseOk(head + R"({"type":"contact","contact":{"name":"Bo","phone_number":"+1"}}})");
  ASSERT_EQ(contact.size(), 1u);
  EXPECT_EQ(contact[0].content().text(), "contact: Bo +1");
  auto location = ParseOk(head + R"({"type":"location","location":{"lat":1.5,"lon":2}}})");
  ASSERT_EQ(location.size(), 1u);
  EXPECT_EQ(location[0].content().text(), "location: 1.5,2");
  auto url = ParseOk(head + R"({"type":"url","media":"https://x.example/"}})");
  ASSERT_EQ(url.size(), 1u);
  EXPECT_EQ(url[0].content().text(), "https://x.example/");
}

TEST(ViberParserTest, ConversationStartedWithAMessageIsAMessage) {
  auto events = ParseOk(
      R"({"event":"conversation_started","timestamp":1457764197627,"message_token":5,
          "user":{"id":"01234567890A=","name":"yarden"},"message":{"type":"text","text":"hi"}})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id(), "viber:5");
  EXPECT_EQ(events[0].kind(), omnibroker::v1::EVENT_KIND_MESSAGE);
  EXPECT_EQ(events[0].content().text(), "hi");
  EXPECT_EQ(events[0].thread_key(), "01234567890A=");
}

TEST(ViberParserTest, MalformedInputIsRejectedWithTheField) {
  const std::string sender = R"("sender":{"id":"AbC="})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{\"event\":", "not valid JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"timestamp":1})", "event is missing"},
      {R"({"event":7})", "event is missing"},
      {R"({"event":"client_status"})", "unsupported event 'client_status'"},
      {R"({"event":"message","timestamp":1,"message":{"type":"text","text":"x"},)" + sender + "}",
       "message_token is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1.5,"message":{}, )" + sender + "}",
       "message_token is missing"},
      {R"({"event":"message","timestamp":1,"message_token":"12","message":{}, )" + sender + "}",
       "message_token is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"text"}})",
       "sender is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1,"sender":{"name":"x"},"message":{}})",
       "sender.id is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1,)" + sender + "}",
       "message is missing"},
      {R"({"event":"message","message_token":1,"message":{"type":"text","text":"x"},)" + sender +
           "}",
       "timestamp is missing"},
      {R"({"event":"message","timestamp":-5,"message_token":1,"message":{"type":"text","text":"x"},)" +
           sender + "}",
       "timestamp -5 is not a time"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"text":"x"},)" + sender +
           "}",
       "message.type is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"location"},)" +
           sender + "}",
       "message.location.lat/lon"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"contact"},)" +
           sender + "}",
       "message.contact is missing"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker"},)" +
           sender + "}",
       "message.media/sticker_id"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker","sticker_id":"4x"},)" +
           sender + "}",
       "message.sticker_id '4x' is not a number"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker","sticker_id":""},)" +
           sender + "}",
       "message.sticker_id '' is not a number"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker","sticker_id":"-5"},)" +
           sender + "}",
       "message.sticker_id '-5' is not a number"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker","sticker_id":-5},)" +
           sender + "}",
       "message.sticker_id -5 is not a non-negative integer or a digit string"},
      {R"({"event":"message","timestamp":1,"message_token":1,"message":{"type":"sticker","sticker_id":1.5},)" +
           sender + "}",
       "message.sticker_id 1.5 is not a non-negative integer or a digit string"},
      {R"({"event":"delivered","timestamp":1,"message_token":1})", "user_id is missing"},
      {R"({"event":"seen","timestamp":1,"user_id":"AbC="})", "message_token is missing"},
      {R"({"event":"subscribed","timestamp":1,"message_token":1,"user_id":"AbC="})",
       "user is missing"},
  };
  for (const auto& [body, why] : cases) {
    auto events = ParseCallback(body, SystemClock().Now());
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
}

InboundRequest Signed(const std::string& body, const std::string& signature) {
  InboundRequest request{"POST", "/viber/webhook", {}, body};
  if (!signature.empty()) request.headers.emplace_back("X-Viber-Content-Signature", signature);
  return request;
}

TEST(ViberSignatureTest, HmacOfTheRawBodyUnderTheAuthTokenIsCheckedBeforeParsing) {
  const std::string token = "bot-token";
  const std::string body =
      R"({"event":"seen","timestamp":1457764197627,"message_token":4912661846655238145,"user_id":"AbC="})";
  const std::string mac = absl::BytesToHexString(Hmac(Digest::kSha256, token, body));
  auto ok = NormalizeCallback(token, Signed(body, mac), SystemClock().Now());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 1u);
  std::string upper = mac;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_TRUE(NormalizeCallback(token, Signed(body, upper), SystemClock().Now()).ok());

  const std::vector<std::pair<InboundRequest, std::string>> refused = {
      {Signed(body, ""), "missing X-Viber-Content-Signature"},
      {Signed(body, "zz"), "malformed X-Viber-Content-Signature"},
      {Signed(body + " ", mac), "does not match"},
      {Signed(body, absl::BytesToHexString(Hmac(Digest::kSha256, "other", body))),
       "does not match"},
      // Garbage is refused as forged, not parsed: the check comes first.
      {Signed("{not json", mac), "does not match"},
  };
  for (const auto& [request, why] : refused) {
    auto events = NormalizeCallback(token, request, SystemClock().Now());
    ASSERT_FALSE(events.ok()) << request.body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos) << events.status();
  }
  EXPECT_EQ(NormalizeCallback("", Signed(body, mac), SystemClock().Now()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ViberSendMessageTest, ProviderStatusesMapToActionableCodes) {
  const std::vector<std::tuple<int, std::string, absl::StatusCode, std::string>> cases = {
      {200, R"({"status":0,"status_message":"ok","message_token":1})", absl::StatusCode::kOk, ""},
      {200, R"({"status":6,"status_message":"notSubscribed"})",
       absl::StatusCode::kFailedPrecondition, "unsubscribed"},
      {200, R"({"status":5,"status_message":"receiverNotRegistered"})",
       absl::StatusCode::kFailedPrecondition, "another channel"},
      {200, R"({"status":12,"status_message":"tooManyRequests"})", absl::StatusCode::kUnavailable,
       "tooManyRequests"},
      {200, R"({"status":2,"status_message":"invalidAuthToken"})",
       absl::StatusCode::kPermissionDenied, "invalidAuthToken"},
      {200, R"({"status":3,"status_message":"badData"})", absl::StatusCode::kInvalidArgument,
       "badData"},
      {200, R"({"status":99})", absl::StatusCode::kUnavailable, "status 99"},
      {200, "not json", absl::StatusCode::kUnavailable, "without a status"},
      {503, "busy", absl::StatusCode::kUnavailable, "503"},
  };
  for (const auto& [http, body, code, why] : cases) {
    const absl::Status s = StatusFromSendMessage(ProviderResponse{http, body});
    EXPECT_EQ(s.code(), code) << body;
    EXPECT_NE(s.message().find(why), absl::string_view::npos) << s;
  }
}

}  // namespace
}  // namespace omni::connectors::viber
