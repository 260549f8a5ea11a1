// Every Mastodon corpus file is either normalized (key fields checked) or rejected with the
// reason expected here; a corpus file missing from the table fails the test. Plus the poll page,
// the HTML to text rules, edits, media and malformed input.
#include "connectors/mastodon/mastodon_parser.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "connectors/mastodon/mastodon_factory.h"
#include "tests/support/corpus_table.h"
#include "tests/support/test_support.h"

namespace omni::connectors::mastodon {
namespace {

using omnibroker::v1::Event;
using testing::CorpusDir;
using testing::ReadFile;

constexpr char kHost[] = "mastodon.social";

struct Expected {
  std::string error;  // a substring of the rejection; empty = normalized
  std::string id, thread, sender, display, text;
  omnibroker::v1::EventKind kind = omnibroker::v1::EVENT_KIND_MESSAGE;
  std::string reply_to;
};

Expected Rejected(std::string why) { return Expected{std::move(why)}; }

const Expected kPleromaMention{.id = "mastodon:mastodon.social:108914343542683797",
                               .thread = "unlisted:a@pl.nulled.red",
                               .sender = "a@pl.nulled.red",
                               .display = "a",
                               .text = "@trwnh test"};

const std::map<std::string, Expected>& Table() {
  static const auto* table = new std::map<std::string, Expected>{
      {"mastodon_admin_webhook_report_created.json",
       Rejected("an admin webhook ('report.created')")},
      {"mastodon_notification_mention_from_pleroma.json", kPleromaMention},
      {"mastodon_sse_user_notification_mention.txt", kPleromaMention},
      {"mastodon_ws_public_delete.json",
       {.id = "mastodon:mastodon.social:106692867363994015:delete",
        .thread = "status:106692867363994015",
        .sender = "mastodon.social",
        .kind = omnibroker::v1::EVENT_KIND_DELETE,
        .reply_to = "mastodon:mastodon.social:106692867363994015"}},
      {"mastodon_ws_public_update.json", Rejected("'update' is a timeline status, not a mention")},
      {"mastodon_ws_user_filters_changed.json",
       Rejected("stream event 'filters_changed' is not a mention")},
  };
  return *table;
}

TEST(MastodonCorpusTest, EveryFileIsNormalizedOrRejectedAsExpected) {
  testing::CheckEveryCorpusFile(
      "mastodon", Table(),
      [&](const std::string& name, const std::string& body, const Expected& want) {
        auto events = ParseBody(body, kHost, SystemClock().Now());
        if (!want.error.empty()) {
          EXPECT_TRUE(testing::RejectedWith(events.status(), want.error));
          return;
        }
        ASSERT_TRUE(events.ok()) << events.status();
        ASSERT_EQ(events->size(), 1u);
        const Event& e = events->front();
        EXPECT_EQ(e.id(), want.id);
        EXPECT_EQ(e.kind(), want.kind);
        EXPECT_EQ(e.provider(), "mastodon");
        EXPECT_EQ(e.channel(), omnibroker::v1::CHANNEL_SOCIAL);
        EXPECT_EQ(e.direction(), omnibroker::v1::DIRECTION_INBOUND);
        EXPECT_EQ(e.thread_key(), want.thread);
        EXPECT_EQ(e.sender().provider(), "mastodon");
        EXPECT_EQ(e.sender().handle(), want.sender);
        EXPECT_EQ(e.sender().display_name(), want.display);
        EXPECT_EQ(e.content().text(), want.text);
        EXPECT_EQ(e.reply_to_event_id(), want.reply_to);
        EXPECT_GT(e.occurred_at().seconds(), 0);
        if (want.kind == omnibroker::v1::EVENT_KIND_MESSAGE) {
          EXPECT_EQ(e.occurred_at().seconds(), 1661900992);  // 2022-08-30T23:09:52.359Z
          EXPECT_NE(e.content().html().find("h-card"), std::string::npos);
          EXPECT_EQ(e.provider_metadata().at("notification_id"), "68739215");
          EXPECT_EQ(e.language(), "");  // the status says null
        }
      });
}

// A poll response: a direct mention with media and a reply, a local account, and a favourite.
constexpr char kPage[] = R"([
  {"id":"300","type":"mention","created_at":"2024-01-02T03:04:06.000Z",
   "account":{"id":"7","username":"ana","acct":"ana","display_name":"Ana &amp; Co"},
   "status":{"id":"110000000000000002","created_at":"2024-01-02T03:04:05.500Z",
     "in_reply_to_id":"110000000000000001","visibility":"direct","language":"es",
     "spoiler_text":"pedido","url":"https://mastodon.social/@ana/110000000000000002",
     "content":"<p><span class=\"h-card\"><a href=\"https://mastodon.social/@acme\" class=\"u-url mention\">@<span>acme</span></a></span> hola &amp; gracias&#33;</p><p>línea&nbsp;2<br>línea 3 &#x1F600;</p>",
     "account":{"id":"7","acct":"ana"},
     "media_attachments":[{"id":"1","type":"image","url":"https://files.mastodon.social/a/b.PNG"},
                          {"id":"2","type":"gifv","url":"https://files.mastodon.social/c"},
                          {"id":"3","type":"audio","remote_url":"https://other.example/x.ogg","url":null}]}},
  {"id":"301","type":"favourite","account":{"acct":"bob"}},
  {"id":"299","type":"mention","created_at":"2024-01-02T03:00:00.000Z",
   "account":{"id":"8","username":"cy","acct":"cy@other.example","display_name":""},
   "status":{"id":"110000000000000000","created_at":"2024-01-02T03:00:00.000Z",
     "visibility":"public","content":"<p>@acme hi</p>"}}])";

TEST(MastodonParserTest, PollPageKeepsMentionsAndTheNewestId) {
  auto page = ParseNotificationPage(kPage, kHost, SystemClock().Now());
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->newest_id, "301");  // past the skipped favourite too
  ASSERT_EQ(page->skipped.size(), 1u);
  EXPECT_NE(page->skipped[0].find("'favourite' notification"), std::string::npos);
  ASSERT_EQ(page->events.size(), 2u);
  const Event& e = page->events[0];
  EXPECT_EQ(e.id(), "mastodon:mastodon.social:110000000000000002");
  EXPECT_EQ(e.sender().handle(), "ana@mastodon.social");
  EXPECT_EQ(e.sender().display_name(), "Ana &amp; Co");  // a JSON string, not HTML
  EXPECT_EQ(e.thread_key(), "direct:ana@mastodon.social");
  EXPECT_EQ(e.reply_to_event_id(), "mastodon:mastodon.social:110000000000000001");
  EXPECT_EQ(e.language(), "es");
  EXPECT_EQ(e.content().subject(), "pedido");
  // &nbsp; is the no-break space it names (U+00A0), as in email's rendering.
  EXPECT_EQ(e.content().text(), "@acme hola & gracias!\n\nlínea\u00A02\nlínea 3 \xF0\x9F\x98\x80");
  EXPECT_EQ(e.occurred_at().seconds(), 1704164645);
  EXPECT_EQ(e.occurred_at().nanos(), 500000000);
  EXPECT_EQ(e.provider_metadata().at("visibility"), "direct");
  ASSERT_EQ(e.content().attachments_size(), 3);
  EXPECT_EQ(e.content().attachments(0).content_type(), "image/png");
  EXPECT_EQ(e.content().attachments(1).content_type(), "video/mp4");
  EXPECT_EQ(e.content().attachments(2).url(), "https://other.example/x.ogg");
  EXPECT_EQ(e.content().attachments(2).content_type(), "audio/ogg");
  EXPECT_EQ(page->events[1].sender().display_name(), "cy");
  EXPECT_EQ(page->events[1].thread_key(), "public:cy@other.example");

  auto partly = ParseNotificationPage(R"([{"id":"9","type":"mention"},{"id":"8","type":"follow"}])",
                                      kHost, SystemClock().Now());
  ASSERT_TRUE(partly.ok()) << partly.status();
  EXPECT_EQ(partly->newest_id, "9");
  ASSERT_EQ(partly->malformed.size(), 1u);
  EXPECT_NE(partly->malformed[0].find("[0].status"), std::string::npos);

  auto events = ParseBody(kPage, kHost, SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->size(), 2u);
  auto empty = ParseBody("[]", kHost, SystemClock().Now());
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
}

TEST(MastodonParserTest, StreamedEditAndSeveralSseEvents) {
  const std::string status =
      R"({"id":"5","created_at":"2024-01-02T03:00:00Z","edited_at":"2024-01-02T03:05:00.000Z",
          "visibility":"public","content":"<p>fixed typo</p>","account":{"acct":"dee@x.example"}})";
  nlohmann::json ws{{"stream", {"user"}}, {"event", "status.update"}, {"payload", status}};
  auto edit = ParseBody(ws.dump(), kHost, SystemClock().Now());
  ASSERT_TRUE(edit.ok()) << edit.status();
  EXPECT_EQ(edit->front().kind(), omnibroker::v1::EVENT_KIND_EDIT);
  EXPECT_EQ(edit->front().id(), "mastodon:mastodon.social:5:edit:2024-01-02T03:05:00.000Z");
  EXPECT_EQ(edit->front().reply_to_event_id(), "mastodon:mastodon.social:5");
  EXPECT_EQ(edit->front().thread_key(), "public:dee@x.example");

  auto two = ParseBody(":thump\n\nevent: delete\ndata: 11\n\nevent: delete\r\ndata: 12\r\n\r\n",
                       kHost, SystemClock().Now());
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].reply_to_event_id(), "mastodon:mastodon.social:12");
}

TEST(MastodonParserTest, HtmlToTextStripsTagsAndDecodesEntities) {
  EXPECT_EQ(HtmlToText("<p>a</p><p>b</p>"), "a\n\nb");
  EXPECT_EQ(HtmlToText("x<br/>y<BR>z"), "x\ny\nz");
  EXPECT_EQ(HtmlToText("&lt;b&gt; &quot;q&quot; &#39;s&apos; &unknown; & &#xZZ;"),
            "<b> \"q\" 's' &unknown; & &#xZZ;");
  EXPECT_EQ(HtmlToText("<a href=\"https://x\"><span class=\"invisible\">https://</span>x.org</a>"),
            "https://x.org");
  EXPECT_EQ(HtmlToText("cut <a href="), "cut");
  EXPECT_EQ(HtmlToText("&#0; &#x110000;"), "\xEF\xBF\xBD \xEF\xBF\xBD");
  // HTML's named references beyond XML's five, as email's rendering decodes them (one decoder).
  EXPECT_EQ(HtmlToText("caf&eacute; &euro;5 &mdash; &#x1F600;"), "café €5 — 😀");
}

TEST(MastodonParserTest, NewerIdComparesNumbersByLength) {
  EXPECT_TRUE(NewerId("100", "99"));
  EXPECT_FALSE(NewerId("99", "100"));
  EXPECT_TRUE(NewerId("AbC2", "AbC1"));  // Pleroma's flake ids sort as text
}

TEST(MastodonFactoryTest, CreateChecksSettingsAndNormalizeNeedsTheInstance) {
  auto factory = MakeMastodonFactory();
  EXPECT_EQ(factory->Name(), "mastodon");
  ConnectorConfig config{.type = "mastodon", .name = "mastodon"};
  EXPECT_NE(factory->Create(config).status().message().find("instance_url is required"),
            absl::string_view::npos);
  const InboundRequest request{.body = std::string(kPage)};
  auto nameless = factory->Normalize(config, request, SystemClock().Now());
  EXPECT_EQ(nameless.status().code(), absl::StatusCode::kFailedPrecondition);
  config.settings["instance_url"] = "https://mastodon.social/";
  EXPECT_NE(factory->Create(config).status().message().find("access_token is required"),
            absl::string_view::npos);
  config.settings["access_token"] = "t";
  config.settings["poll_interval_ms"] = "0";
  EXPECT_NE(factory->Create(config).status().message().find("poll_interval_ms must be positive"),
            absl::string_view::npos);
  config.settings["poll_interval_ms"] = "soon";
  EXPECT_FALSE(factory->Create(config).ok());
  config.settings.erase("poll_interval_ms");
  EXPECT_TRUE(factory->Create(config).ok());
  auto events = factory->Normalize(config, request, SystemClock().Now());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_TRUE(events->front().id().starts_with("mastodon:mastodon.social:"));
}

TEST(MastodonParserTest, MalformedInputIsRejectedWithTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"[{", "not valid JSON"},
      {"7", "must be a JSON object or array"},
      {R"({"hello":1})", "not a Mastodon notification"},
      {R"([7])", "[0] is missing or not an object"},
      {R"([{"type":"mention"}])", "[0].id"},
      {R"([{"id":"1"}])", "[0].type"},
      {R"([{"id":"1","type":"mention","account":{"acct":"a"}}])", "[0].status"},
      {R"([{"id":"1","type":"mention","account":{},"status":{"id":"2","visibility":"public"}}])",
       "[0].status.account.acct"},
      {R"([{"id":"1","type":"mention","account":{"acct":"a"},"status":{"visibility":"public"}}])",
       "[0].status.id"},
      {R"([{"id":"1","type":"mention","account":{"acct":"a"},"status":{"id":"2"}}])",
       "[0].status.visibility"},
      {R"([{"id":"1","type":"mention","account":{"acct":"a"},"status":{"id":"2",
          "visibility":"public","created_at":"yesterday","content":"x"}}])",
       "[0].status.created_at"},
      {R"([{"id":"1","type":"mention","account":{"acct":"a"},"status":{"id":"2",
          "visibility":"public","created_at":"2024-01-01T00:00:00Z","content":"<p></p>"}}])",
       "has no text or media"},
      {R"([{"id":"1","type":"follow","account":{"acct":"a"}}])", "'follow' notification"},
      {R"({"id":"1","type":"reblog","account":{"acct":"a"}})", "'reblog' notification"},
      {R"({"stream":["user"],"event":7})", "event is missing"},
      {R"({"stream":["user"],"event":"notification","payload":"{"})",
       "payload is missing or not a JSON object"},
      {R"({"stream":["user"],"event":"delete"})", "payload is missing or not a status id"},
      {R"({"stream":["user"],"event":"announcement","payload":"{}"})",
       "'announcement' is not a mention"},
      {R"({"stream":["user"],"event":"status.update","payload":"{\"id\":\"1\",\"visibility\":\"public\",\"account\":{\"acct\":\"a\"},\"content\":\"x\"}"})",
       "edited_at"},
      {"event: notification\n\n", "SSE chunk has no data line"},
      {"event: notification\ndata: [1]\n\n", "payload is missing or not a JSON object"},
  };
  for (const auto& [body, why] : cases) {
    auto events = ParseBody(body, kHost, SystemClock().Now());
    ASSERT_FALSE(events.ok()) << body;
    EXPECT_EQ(events.status().code(), absl::StatusCode::kInvalidArgument) << body;
    EXPECT_NE(events.status().message().find(why), absl::string_view::npos)
        << body << " -> " << events.status();
  }
}

}  // namespace
}  // namespace omni::connectors::mastodon
