#include "connectors/webchat/webchat_parser.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

const TimePoint kNow = TimePoint{} + std::chrono::hours(500000);
const Visitor kVisitor{.id = "v_abc", .display_name = "", .language = "en"};

TEST(WebChatParserTest, NormalizesAMessage) {
  auto e = ParseVisitorMessage(
      R"({"text":"Where is my order?","client_message_id":"m-1","language":"RU"})", kVisitor, kNow);
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->id(), "webchat:v_abc:m-1");
  EXPECT_EQ(e->channel(), omnibroker::v1::CHANNEL_CHAT);
  EXPECT_EQ(e->provider(), "webchat");
  EXPECT_EQ(e->direction(), omnibroker::v1::DIRECTION_INBOUND);
  EXPECT_EQ(e->sender().handle(), "v_abc");
  EXPECT_EQ(e->thread_key(), "v_abc");
  EXPECT_EQ(e->language(), "ru");
  EXPECT_EQ(e->content().text(), "Where is my order?");
  EXPECT_TRUE(e->has_occurred_at());
}

TEST(WebChatParserTest, SameClientMessageIdIsTheSameEvent) {
  auto a = ParseVisitorMessage(R"({"text":"hi","client_message_id":"x"})", kVisitor, kNow);
  auto b = ParseVisitorMessage(R"({"text":"hi","client_message_id":"x"})", kVisitor, kNow);
  auto c = ParseVisitorMessage(R"({"text":"hi"})", kVisitor, kNow);
  auto d = ParseVisitorMessage(R"({"text":"hi"})", kVisitor, kNow);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_EQ(a->id(), b->id());
  EXPECT_NE(c->id(), d->id());
}

// Every web chat body in the shared corpus: normalized, or rejected for the reason expected.
TEST(WebChatParserTest, Corpus) {
  struct Expect {
    std::string file;
    bool ok;
    std::string text_or_reason;
    int attachments;
  };
  const std::vector<Expect> expected = {
      {"rc_helloMsg.json", true, "Hello World", 0},
      {"rc_attachmentMsg.json", true, "", 1},
      {"rc_emptyMsg.json", false, "message has neither text nor attachments", 0},
  };
  const auto dir = omni::testing::CorpusDir() / "webchat/courier/extracted";
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    const std::string name = entry.path().filename().string();
    auto it = std::find_if(expected.begin(), expected.end(),
                           [&](const Expect& e) { return e.file == name; });
    ASSERT_NE(it, expected.end()) << "corpus file without an expectation: " << name;
    auto event = ParseVisitorMessage(omni::testing::ReadFile(entry.path()), kVisitor, kNow);
    if (it->ok) {
      ASSERT_TRUE(event.ok()) << name << ": " << event.status();
      EXPECT_EQ(event->content().text(), it->text_or_reason) << name;
      EXPECT_EQ(event->content().attachments_size(), it->attachments) << name;
      EXPECT_EQ(event->sender().display_name(), "John Doe") << name;
    } else {
      ASSERT_FALSE(event.ok()) << name;
      EXPECT_EQ(event.status().message(), it->text_or_reason) << name;
    }
  }
  EXPECT_EQ(files, expected.size());
}

TEST(WebChatParserTest, MalformedBodiesAreRejectedWithTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "body is not valid JSON"},
      {"{\"text\": ", "body is not valid JSON"},
      {"[1,2]", "body must be a JSON object"},
      {R"({"text": 5})", "text must be a string"},
      {R"({"text": "hi", "attachments": {}})", "attachments must be an array"},
      {R"({"text": "hi", "attachments": [5]})", "attachments[0] must be an object"},
      {R"({"attachments": [{"url": "file:///etc/passwd"}]})",
       "attachments[0].url must be an http(s) URL"},
      {R"({"text": "hi", "client_message_id": "bad id!"})",
       "client_message_id must be 1-64 of [A-Za-z0-9_-]"},
      {R"({"text": "   "})", "message has neither text nor attachments"},
      {R"({"text": "hi", "user": {"full_name": 7}})", "user.full_name must be a string"},
      {R"({"text": "hi", "language": "en_US"})", "language: \"en_US\" is not a language tag (en, pt-BR)"},
  };
  for (const auto& [body, reason] : cases) {
    auto e = ParseVisitorMessage(body, kVisitor, kNow);
    ASSERT_FALSE(e.ok()) << body;
    EXPECT_EQ(e.status().message(), reason) << body;
  }
  auto big = ParseVisitorMessage("{\"text\":\"" + std::string(kMaxTextBytes + 1, 'a') + "\"}",
                                 kVisitor, kNow);
  EXPECT_FALSE(big.ok());
}

TEST(WebChatParserTest, RegistrationProfile) {
  auto empty = ParseRegistration("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->display_name, "");
  auto ann = ParseRegistration(R"({"name":"Ann","email":"Ann@Example.org","language":"pt-BR"})");
  ASSERT_TRUE(ann.ok()) << ann.status();
  EXPECT_EQ(ann->display_name, "Ann");
  EXPECT_EQ(ann->email, "Ann@Example.org");
  EXPECT_EQ(ann->language, "pt-br");
  EXPECT_TRUE(ParseRegistration(R"({"name":null})").ok());
}

TEST(WebChatParserTest, MalformedRegistrationsAreRejectedWithTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", "body is not valid JSON"},
      {"[]", "body must be a JSON object"},
      {R"({"name": 5})", "name must be a string"},
      {R"({"email": ["a@b"]})", "email must be a string"},
      {R"({"language": "English"})", "language: \"English\" is not a language tag (en, pt-BR)"},
      {R"({"name": ")" + std::string(kMaxNameBytes + 1, 'a') + "\"}",
       "name: 201 bytes, at most 200"},
      {R"({"email": ")" + std::string(kMaxEmailBytes + 1, 'a') + "\"}",
       "email: 255 bytes, at most 254"},
  };
  for (const auto& [body, reason] : cases) {
    auto profile = ParseRegistration(body);
    ASSERT_FALSE(profile.ok()) << body;
    EXPECT_EQ(profile.status().message(), reason) << body;
  }
}

}  // namespace
}  // namespace omni::connectors::webchat
