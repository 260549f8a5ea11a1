// Every X corpus file is either normalized (key fields checked) or rejected with the reason
// expected here; a corpus file missing from the table fails the test. Plus the event kinds the
// corpus lacks, malformed input, the webhook signature over the raw bytes and the CRC answer.
#include "connectors/x/x_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "absl/strings/escaping.h"
#include "connectors/sdk/signature.h"
#include "connectors/x/x_connector.h"
#include "connectors/x/x_factory.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::x {
namespace {

using omnibroker::v1::Event;
using testing::CorpusDir;
using testing::ReadFile;

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  size_t events = 1;
  std::string id, thread, sender, display, text;
  omnibroker::v1::Channel channel = omnibroker::v1::CHANNEL_SOCIAL;
  int64_t occurred = 0;  // seconds; 0 = the receive time
};

Expected Rejected(std::string why) { return Expected{std::move(why)}; }

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"aaa_direct_message_events.json",
       {.id = "x:dm:123",
        .thread = "dm:2",
        .sender = "2",
        .display = "person 1",
        .text = "Blue Bird",
        .channel = omnibroker::v1::CHANNEL_MESSENGER}},
      {"aaa_tweet_create_events_mention.json",
       {.id = "x:tweet:1",
        .thread = "tweet:1",
        .sender = "2",
        .display = "SurveyJoy",
        .text = "@chatwootapp Testing a sample tweet with Twitter client",
        .occurred = 1580891971}},
      // Recorded HTTP exchanges (YAML with gzipped bodies), not something X sends.
      {"tweepy_cassettes/test_client_get_users_mentions.yaml", Rejected("not valid JSON")},
      {"tweepy_cassettes/test_client_search_recent_tweets.yaml", Rejected("not valid JSON")},
      {"tweepy_cassettes/test_manage_and_lookup_direct_messages.yaml", Rejected("not valid JSON")},
      // API v2 pages fetched without tweet.fields / dm_event.fields: no customer to route to.
      {"x_v2_client_get_users_mentions_0.json", Rejected("data[0].author_id is missing")},
      {"x_v2_client_search_recent_tweets_0.json", Rejected("data[0].author_id is missing")},
      {"x_v2_manage_and_lookup_direct_messages_0.json", Rejected("send-message response")},
      {"x_v2_manage_and_lookup_direct_messages_2.json", Rejected("send-message response")},
      {"x_v2_manage_and_lookup_direct_messages_3.json", Expected{.events = 0}},  // empty page
      {"x_v2_manage_and_lookup_direct_messages_4.json", Rejected("data[0].sender_id is missing")},
  };
  return *table;
}

TEST(XCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  const TimePoint now = SystemClock().Now();
  testing::CheckEveryCorpusFile(
      "twitter", Table(),
      [&](const std::string& name, const std::string& body, const Expected& want) {
        auto events = ParseBody(body, "", now);
        if (!want.error.empty()) {
          EXPECT_TRUE(testing::RejectedWith(events.status(), want.error));
          return;
        }
        ASSERT_TRUE(events.ok()) << events.status();
        ASSERT_EQ(events->size(), want.events);
        if (want.events == 0) return;
        const Event& e = events->front();
        EXPECT_EQ(e.id(), want.id);
        EXPECT_EQ(e.kind(), omnibroker::v1::EVENT_KIND_MESSAGE);
        EXPECT_EQ(e.provider(), "x");
        EXPECT_EQ(e.channel(), want.channel);
        EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
        EXPECT_EQ(e.thread_key(), want.thread);
        EXPECT_EQ(e.sender().provider(), "x");
        EXPECT_EQ(e.sender().handle(), want.sender);
        EXPECT_EQ(e.sender().display_name(), want.display);
        EXPECT_EQ(e.content().text(), want.text);
        EXPECT_EQ(e.occurred_at().seconds(),
                  want.occurred ? want.occurred : e.received_at().seconds());
      });
}

constexpr char kSecret[] = "consumer-secret-0123";

absl::StatusOr<std::vector<Event>> Parse(const std::string& body, std::string account = "") {
  return ParseBody(body, account, SystemClock().Now());
}

// A mention with everything X may give: a long text, media, a reply, a language, big ids.
constexpr char kRichMention[] = R"({"for_user_id":"4000000000000000001","tweet_create_events":[
  {"id_str":"1578516295611748353","id":1578516295611748353,"timestamp_ms":"1700000000123",
   "text":"@acme short","in_reply_to_status_id_str":"1578516273537118209","lang":"de",
   "user":{"id_str":"9007199254740993","name":"Ana","screen_name":"ana_x"},
   "extended_tweet":{"full_text":"@acme the whole long text",
     "extended_entities":{"media":[
       {"type":"photo","media_url_https":"https://pbs.twimg.com/media/a.png"},
       {"type":"video","media_url_https":"https://pbs.twimg.com/thumb.jpg","video_info":{"variants":[
         {"content_type":"video/mp4","bitrate":256000,"url":"https://video.twimg.com/low.mp4"},
         {"content_type":"application/x-mpegURL","url":"https://video.twimg.com/pl.m3u8"},
         {"content_type":"video/mp4","bitrate":832000,"url":"https://video.twimg.com/high.mp4"}]}}]}}},
  {"id_str":"1578516295611748999","timestamp_ms":"1700000000999","text":"our own reply",
   "user":{"id_str":"4000000000000000001","name":"Acme","screen_name":"acme"}}]})";

TEST(XParserTest, MentionKeepsTextMediaReplyLanguageAndBigIds) {
  auto events = Parse(kRichMention);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);  // the account's own tweet is skipped
  const Event& e = events->front();
  EXPECT_EQ(e.id(), "x:tweet:1578516295611748353");
  EXPECT_EQ(e.sender().handle(), "9007199254740993");  // 2^53 + 1 stays exact
  EXPECT_EQ(e.sender().display_name(), "Ana");
  EXPECT_EQ(e.provider_metadata().at("screen_name"), "ana_x");
  EXPECT_EQ(e.content().text(), "@acme the whole long text");
  EXPECT_EQ(e.reply_to_event_id(), "x:tweet:1578516273537118209");
  EXPECT_EQ(e.thread_key(), "tweet:1578516273537118209");  // the root X lets us see
  EXPECT_EQ(e.language(), "de");
  EXPECT_EQ(e.occurred_at().seconds(), 1700000000);
  EXPECT_EQ(e.occurred_at().nanos(), 123000000);
  ASSERT_EQ(e.content().attachments_size(), 2);
  EXPECT_EQ(e.content().attachments(0).url(), "https://pbs.twimg.com/media/a.png");
  EXPECT_EQ(e.content().attachments(0).content_type(), "image/png");
  EXPECT_EQ(e.content().attachments(1).url(), "https://video.twimg.com/high.mp4");
  EXPECT_EQ(e.content().attachments(1).content_type(), "video/mp4");
}

TEST(XParserTest, ConversationIdIsTheThreadRoot) {
  auto events = Parse(R"({"for_user_id":"1","tweet_create_events":[{"id_str":"30",
      "conversation_id_str":"10","in_reply_to_status_id_str":"20","timestamp_ms":"1700000000000",
      "text":"hi","user":{"id_str":"2"}}]})");
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->front().thread_key(), "tweet:10");
}

TEST(XParserTest, SeveralEventsFanOutAndOwnItemsAreSkipped) {
  auto events = Parse(R"({"for_user_id":"1",
    "direct_message_events":[
      {"type":"message_create","id":"501","created_timestamp":"1700000000000",
       "message_create":{"target":{"recipient_id":"1"},"sender_id":"2",
         "message_data":{"text":"first","attachment":{"type":"media","media":{"type":"photo",
           "media_url_https":"https://ton.twitter.com/1.1/ton/data/dm/501/img.jpg"}}}}},
      {"type":"message_create","id":"502","created_timestamp":"1700000001000",
       "message_create":{"target":{"recipient_id":"2"},"sender_id":"1",
         "message_data":{"text":"our answer"}}},
      {"type":"message_create","id":"503","created_timestamp":"1700000002000",
       "message_create":{"target":{"recipient_id":"1"},"sender_id":"3",
         "message_data":{"text":"second"}}}],
    "users":{"2":{"id":"2","name":"Bo","screen_name":"bo"},"3":{"id":"3","name":"Cy"}}})");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].id(), "x:dm:501");
  EXPECT_EQ((*events)[0].thread_key(), "dm:2");
  EXPECT_EQ((*events)[0].sender().display_name(), "Bo");
  EXPECT_EQ((*events)[0].channel(), omnibroker::v1::CHANNEL_MESSENGER);
  ASSERT_EQ((*events)[0].content().attachments_size(), 1);
  EXPECT_EQ((*events)[0].content().attachments(0).content_type(), "image/jpeg");
  EXPECT_EQ((*events)[1].id(), "x:dm:503");
  EXPECT_EQ((*events)[1].sender().display_name(), "Cy");
}

TEST(XParserTest, DeleteAndReadReceiptGetTheirKinds) {
  auto deleted = Parse(R"({"for_user_id":"1","tweet_delete_events":[{"status":{"id":"77",
      "user_id":"2"},"timestamp_ms":"1700000000000"}]})");
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->front().kind(), omnibroker::v1::EVENT_KIND_DELETE);
  EXPECT_EQ(deleted->front().id(), "x:tweet:77:delete");
  EXPECT_EQ(deleted->front().reply_to_event_id(), "x:tweet:77");
  EXPECT_EQ(deleted->front().sender().handle(), "2");

  auto read = Parse(R"({"for_user_id":"1","direct_message_mark_read_events":[
      {"created_timestamp":"1700000000000","initiated_by_id":"2","target":{"recipient_id":"1"},
       "last_read_event_id":"900"}]})");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->front().kind(), omnibroker::v1::EVENT_KIND_DELIVERY_STATUS);
  EXPECT_EQ(read->front().reply_to_event_id(), "x:dm:900");
  EXPECT_EQ(read->front().thread_key(), "dm:2");
  EXPECT_EQ(read->front().provider_metadata().at("status"), "read");
}

TEST(XParserTest, ApiV2PagesNormalizeWithIncludes) {
  auto mentions = Parse(R"({"data":[{"id":"1578516295611748353","text":"@acme help",
      "author_id":"44","conversation_id":"1578516000000000000","lang":"en",
      "created_at":"2022-10-07T22:42:12.000Z",
      "referenced_tweets":[{"type":"replied_to","id":"1578516000000000001"}],
      "attachments":{"media_keys":["3_1"]}},
     {"id":"1578516295611748354","text":"mine","author_id":"1"}],
    "includes":{"users":[{"id":"44","name":"Dee","username":"dee"}],
      "media":[{"media_key":"3_1","type":"photo","url":"https://pbs.twimg.com/media/b.jpg"}]},
    "meta":{"result_count":2}})",
                        "1");
  ASSERT_TRUE(mentions.ok()) << mentions.status();
  ASSERT_EQ(mentions->size(), 1u);
  const Event& m = mentions->front();
  EXPECT_EQ(m.id(), "x:tweet:1578516295611748353");
  EXPECT_EQ(m.thread_key(), "tweet:1578516000000000000");
  EXPECT_EQ(m.reply_to_event_id(), "x:tweet:1578516000000000001");
  EXPECT_EQ(m.sender().display_name(), "Dee");
  EXPECT_EQ(m.language(), "en");
  EXPECT_EQ(m.occurred_at().seconds(), 1665182532);
  ASSERT_EQ(m.content().attachments_size(), 1);

  auto dms = Parse(R"({"data":[{"event_type":"MessageCreate","id":"1585800613752881156",
      "text":"Testing 2","sender_id":"750362064426721281","dm_conversation_id":"1-750362064426721281"},
     {"event_type":"ParticipantsJoin","id":"1585800613752881157"}],"meta":{"result_count":2}})");
  ASSERT_TRUE(dms.ok()) << dms.status();
  ASSERT_EQ(dms->size(), 1u);
  EXPECT_EQ(dms->front().id(), "x:dm:1585800613752881156");
  EXPECT_EQ(dms->front().thread_key(), "dm:750362064426721281");
}

TEST(XParserTest, AnotherAccountsWebhookBodyIsRejected) {
  const std::string body = R"({"for_user_id":"9","tweet_create_events":[{"id_str":"5",
      "timestamp_ms":"1700000000000","text":"hi","user":{"id_str":"2"}}]})";
  EXPECT_TRUE(Parse(body, "9").ok());
  auto other = Parse(body, "1");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("for_user_id '9' is not this connector's account_id"),
            absl::string_view::npos)
      << other.status();
}

TEST(XFactoryTest, CreateNeedsTheSecretsAndNormalizeAnswersTheCrc) {
  auto factory = MakeXFactory();
  EXPECT_EQ(factory->Name(), "x");
  ConnectorConfig config{.type = "x", .name = "x", .settings = {{"listen", "127.0.0.1:0"}}};
  auto missing = factory->Create(config);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("consumer_secret is required"),
            absl::string_view::npos);
  config.settings["consumer_secret"] = kSecret;
  EXPECT_NE(factory->Create(config).status().message().find("access_token is required"),
            absl::string_view::npos);
  config.settings["access_token"] = "t";
  config.settings["api_base_url"] = "ftp://x";
  EXPECT_FALSE(factory->Create(config).ok());
  config.settings["api_base_url"] = "http://127.0.0.1:1";
  EXPECT_TRUE(factory->Create(config).ok());
  auto crc =
      factory->Normalize(config, InboundRequest{.method = "GET", .path = "/x/webhook?crc_token=t"},
                         SystemClock().Now());
  ASSERT_TRUE(crc.ok()) << crc.status();
  EXPECT_TRUE(crc->empty());
  auto unsigned_post = factory->Normalize(
      config, InboundRequest{.method = "POST", .path = "/x/webhook", .body = kRichMention},
      SystemClock().Now());
  EXPECT_EQ(unsigned_post.status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(XParserTest, MalformedInputIsRejectedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{\"for_user_id\":", "not valid JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"hello":1})", "neither an Account Activity webhook body"},
      {R"({"errors":[{"title":"Unauthorized"}]})", "an X API error response"},
      {R"({"for_user_id":1,"tweet_create_events":[]})", "for_user_id is missing"},
      {R"({"for_user_id":"1"})", "carries no events"},
      {R"({"for_user_id":"1","poll_events":[]})", "unsupported event type 'poll_events'"},
      {R"({"for_user_id":"1","tweet_create_events":{}})",
       "tweet_create_events is missing or not an array"},
      {R"({"for_user_id":"1","tweet_create_events":[7]})",
       "tweet_create_events[0] is missing or not an object"},
      {R"({"for_user_id":"1","tweet_create_events":[{"user":{"id_str":"2"}}]})",
       "tweet_create_events[0].id_str"},
      {R"({"for_user_id":"1","tweet_create_events":[{"id_str":"5","user":{"id_str":true}}]})",
       "tweet_create_events[0].user.id_str"},
      {R"({"for_user_id":"1","tweet_create_events":[{"id_str":"5","text":"x","user":{"id_str":"2"}}]})",
       "tweet_create_events[0].timestamp_ms / .created_at"},
      {R"({"for_user_id":"1","tweet_create_events":[{"id_str":"5","timestamp_ms":"1","user":{"id_str":"1"}}]})",
       "the account's own tweet"},
      {R"({"for_user_id":"1","tweet_create_events":[{"id_str":"5","timestamp_ms":"1","text":"RT",
          "retweeted_status":{},"user":{"id_str":"2"}}]})",
       "a retweet"},
      {R"({"for_user_id":"1","direct_message_events":[{"type":"message_create",
          "message_create":{"sender_id":"2","message_data":{"text":"x"}}}]})",
       "direct_message_events[0].id"},
      {R"({"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9",
          "message_create":{"message_data":{"text":"x"}}}]})",
       "direct_message_events[0].message_create.sender_id"},
      {R"({"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9",
          "message_create":{"sender_id":"1","message_data":{"text":"x"}}}]})",
       "the account's own direct message"},
      {R"({"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9",
          "message_create":{"sender_id":"2","message_data":{}}}]})",
       "has no text or media"},
      {R"({"for_user_id":"1","direct_message_indicate_typing_events":[{}]})", "a typing indicator"},
      {R"({"for_user_id":"1","favorite_events":[{}],"follow_events":[{}]})", "a like"},
      {R"({"for_user_id":"1","tweet_delete_events":[{"status":{"user_id":"2"}}]})",
       "tweet_delete_events[0].status.id"},
      {R"({"for_user_id":"1","direct_message_mark_read_events":[{"initiated_by_id":"1",
          "last_read_event_id":"5","created_timestamp":"1"}]})",
       "the account reading"},
      {R"({"data":"x"})", "data is missing or not an array or object"},
      {R"({"meta":{"result_count":3}})", "data is missing"},
      {R"({"data":[{"id":"1"}]})", "neither a tweet (text) nor a DM event"},
      {R"({"data":[{"text":"x","author_id":"2"}]})", "data[0].id"},
  };
  for (const auto& [body, why] : cases) {
    auto events = Parse(body);
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
}

InboundRequest Signed(std::string body, std::string signature) {
  InboundRequest request{.method = "POST", .path = "/x/webhook", .body = std::move(body)};
  if (!signature.empty()) request.headers.emplace_back("x-twitter-webhooks-signature", signature);
  return request;
}

std::string SignatureOf(const std::string& body, const std::string& secret = kSecret) {
  return "sha256=" + absl::Base64Escape(Hmac(Digest::kSha256, secret, body));
}

TEST(XSignatureTest, OnlyTheRawBodySignedWithTheConsumerSecretPasses) {
  const std::string body = kRichMention;
  auto ok = NormalizeRequest(kSecret, "", Signed(body, SignatureOf(body)), SystemClock().Now());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->size(), 1u);
  const std::vector<InboundRequest> forged = {
      Signed(body, ""),                                   // missing
      Signed(body, SignatureOf(body, "another-secret")),  // wrong key
      Signed(body + " ", SignatureOf(body)),              // body changed after signing
      Signed(body, SignatureOf(body).substr(7)),          // no sha256= prefix
      Signed(body, "sha256=not base64!"),
  };
  for (const auto& request : forged) {
    auto events = NormalizeRequest(kSecret, "", request, SystemClock().Now());
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.status().code(), absl::StatusCode::kUnauthenticated) << events.status();
  }
  // A forged body that is not even JSON fails on the signature, before any parsing.
  auto garbage = NormalizeRequest(kSecret, "", Signed("{", "sha256=AAAA"), SystemClock().Now());
  EXPECT_EQ(garbage.status().code(), absl::StatusCode::kUnauthenticated);
  auto no_secret = NormalizeRequest("", "", Signed(body, SignatureOf(body)), SystemClock().Now());
  EXPECT_FALSE(no_secret.ok());
}

TEST(XCrcTest, AnswersTheChallengeWithTheTokensHmac) {
  InboundRequest get{.method = "GET", .path = "/x/webhook?foo=1&crc_token=ab%2Bc%3D%3D"};
  auto answer = AnswerCrc(kSecret, get);
  ASSERT_TRUE(answer.ok()) << answer.status();
  const std::string expected =
      "sha256=" + absl::Base64Escape(Hmac(Digest::kSha256, kSecret, "ab+c=="));
  EXPECT_EQ(*answer, "{\"response_token\":\"" + expected + "\"}");
  EXPECT_FALSE(AnswerCrc(kSecret, InboundRequest{.method = "GET", .path = "/x/webhook"}).ok());
  EXPECT_FALSE(
      AnswerCrc(kSecret, InboundRequest{.method = "GET", .path = "/x/webhook?crc_token="}).ok());
  EXPECT_EQ(AnswerCrc("", get).status().code(), absl::StatusCode::kFailedPrecondition);
}

// The consumer secret also signs webhook bodies: only tokens shaped as X sends them (base64 of a
// UUID) are signed, never anything that could be a body.
TEST(XCrcTest, SignsOnlyTokensShapedAsXSendsThem) {
  auto crc = [](const std::string& query) {
    return AnswerCrc(kSecret, InboundRequest{.method = "GET", .path = "/x/webhook?" + query});
  };
  EXPECT_TRUE(crc("crc_token=M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0&nonce=MTc2OTU").ok());
  EXPECT_TRUE(crc("crc_token=a-b_c%2Fd%3D").ok());
  EXPECT_TRUE(crc("crc_token=" + std::string(128, 'A')).ok());
  for (const std::string& token : {
           std::string(129, 'A'),                             // longer than any X sends
           std::string("%7B%22for_user_id%22%3A%221%22%7D"),  // {"for_user_id":"1"}
           std::string("%7B%7D"),                             // {}
           std::string("a%20b"),                              // a space
           std::string("a+b"),                                // '+' in a query is a space
           std::string("a%0Ab"),                              // a newline
           std::string("%5B1%5D"),                            // [1]
           std::string("%00"),
       }) {
    auto answer = crc("crc_token=" + token);
    ASSERT_FALSE(answer.ok()) << token << " was signed: " << *answer;
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kInvalidArgument) << token;
    EXPECT_NE(answer.status().message().find("left unsigned"), std::string::npos)
        << answer.status();
  }
}

}  // namespace
}  // namespace omni::connectors::x
