// The web chat connector over real HTTP on 127.0.0.1: the embedded widget assets, the transcript
// of both sides, and the SSE stream resuming from Last-Event-ID.
#include <atomic>
#include <thread>

#include "tests/connectors/webchat/webchat_fixture.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;

using WebChatConnectorTest = WebChatFixture;

TEST_F(WebChatConnectorTest, ServesTheEmbeddedWidgetAndDemoPage) {
  auto js = client->Get("/widget.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js->get_header_value("Cache-Control"), "public, max-age=300");
  EXPECT_NE(js->body.find("textContent"), std::string::npos);
  EXPECT_EQ(js->body.find("innerHTML"), std::string::npos);
  auto page = client->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  EXPECT_NE(page->body.find("<script src=\"/widget.js\"></script>"), std::string::npos);
}

TEST_F(WebChatConnectorTest, ProfileEmailIsCarriedUnverified) {
  const std::string token = Register({{"name", "Ann"}, {"email", "Ann@Example.org"}});
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  auto res = client->Post("/v1/messages", auth, R"({"text":"hi"})", "application/json");
  ASSERT_TRUE(res && res->status == 202);
  std::lock_guard lock(context.mu);
  ASSERT_EQ(context.published.size(), 1u);
  EXPECT_EQ(context.published[0].sender().display_name(), "Ann");
  EXPECT_EQ(context.published[0].sender().email(), "ann@example.org");
  EXPECT_FALSE(context.published[0].sender().verified());
}

TEST_F(WebChatConnectorTest, TheVisitorsLanguageIsATagOrTheRegistrationIsRefused) {
  auto refused = client->Post("/v1/visitors", R"({"language":"English"})", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
  EXPECT_EQ(json::parse(refused->body)["error"], "language: \"English\" is not a language tag (en, pt-BR)");

  const std::string token = Register({{"language", "pt-BR"}});
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  auto res = client->Post("/v1/messages", auth, R"({"text":"oi"})", "application/json");
  ASSERT_TRUE(res && res->status == 202);
  std::lock_guard lock(context.mu);
  ASSERT_EQ(context.published.size(), 1u);
  EXPECT_EQ(context.published[0].language(), "pt-br");
}

TEST_F(WebChatConnectorTest, StreamCarriesBothSidesAndResumesThePollAgentReplies) {
  const std::string token = Register(json::object());
  httplib::Headers auth{{"Authorization", "Bearer " + token}};
  const std::string body = R"({"text":"where is my order?","client_message_id":"m-1"})";
  ASSERT_EQ(client->Post("/v1/messages", auth, body, "application/json")->status, 202);
  ASSERT_EQ(client->Post("/v1/messages", auth, body, "application/json")->status, 202);  // resend
  omnibroker::v1::Event reply;
  reply.set_id("reply-1");
  reply.mutable_recipient()->set_handle(token.substr(0, token.find('.')));
  reply.mutable_content()->set_text("on its way");
  ASSERT_TRUE(connector->Deliver(reply).ok());
  ASSERT_TRUE(connector->Deliver(reply).ok());  // a redelivery

  auto poll = client->Get("/v1/messages?after=0", auth);
  ASSERT_TRUE(poll && poll->status == 200);
  const json messages = json::parse(poll->body)["messages"];
  ASSERT_EQ(messages.size(), 1u);  // the long-poll carries agent replies only
  EXPECT_EQ(messages[0]["from"], "agent");
  EXPECT_EQ(messages[0]["text"], "on its way");
  EXPECT_EQ(messages[0]["index"], 2);
  auto both = client->Get("/v1/messages?after=0&from=all", auth);
  ASSERT_TRUE(both && both->status == 200);
  ASSERT_EQ(json::parse(both->body)["messages"].size(), 2u);
  EXPECT_EQ(json::parse(both->body)["messages"][0]["from"], "visitor");
  auto bad_from = client->Get("/v1/messages?after=0&from=visitor", auth);
  ASSERT_TRUE(bad_from);
  EXPECT_EQ(bad_from->status, 400);
  EXPECT_EQ(json::parse(bad_from->body)["error"], "from must be agent or all");

  std::string stream;
  auto read_until = [&](httplib::Headers headers, std::string_view marker) {
    stream.clear();
    headers.emplace("Authorization", "Bearer " + token);
    auto res = client->Get("/v1/stream", headers, [&](const char* data, size_t n) {
      stream.append(data, n);
      return stream.find(marker) == std::string::npos;
    });
    return res.error();
  };
  read_until({}, "on its way");
  EXPECT_EQ(stream.find("id: 1\ndata: "), 0u) << stream;
  EXPECT_NE(stream.find("\n\nid: 2\ndata: "), std::string::npos) << stream;
  read_until({{"Last-Event-ID", "1"}}, "on its way");
  EXPECT_EQ(stream.find("id: 2\ndata: "), 0u) << stream;
  EXPECT_EQ(stream.find("where is my order"), std::string::npos) << stream;
}

// More streams than cpp-httplib's default pool (8 threads here) are open at once: each gets its
// keep-alive before any reply is delivered, then its reply.
TEST_F(WebChatConnectorTest, ManyVisitorsListenAtOnce) {
  constexpr int kVisitors = 24;
  std::vector<std::string> tokens;
  for (int i = 0; i < kVisitors; ++i) tokens.push_back(Register(json::object()));
  std::atomic<int> open{0};
  std::atomic<int> got_reply{0};
  std::vector<std::thread> listeners;
  for (const std::string& token : tokens) {
    listeners.emplace_back([&, token] {
      httplib::Client c("127.0.0.1", connector->port());
      c.set_read_timeout(10, 0);
      std::string stream;
      c.Get("/v1/stream", {{"Authorization", "Bearer " + token}}, [&](const char* data, size_t n) {
        if (stream.empty()) ++open;
        stream.append(data, n);
        if (stream.find("reply for") == std::string::npos) return true;
        ++got_reply;
        return false;
      });
    });
  }
  EXPECT_TRUE(omni::testing::WaitFor([&] { return open.load() == kVisitors; }))
      << open.load() << " of " << kVisitors << " streams open";
  for (const std::string& token : tokens) {
    omnibroker::v1::Event reply;
    reply.set_id("reply-" + token);
    reply.mutable_recipient()->set_handle(token.substr(0, token.find('.')));
    reply.mutable_content()->set_text("reply for you");
    ASSERT_TRUE(connector->Deliver(reply).ok());
  }
  for (auto& t : listeners) t.join();
  EXPECT_EQ(got_reply.load(), kVisitors);
}

TEST_F(WebChatConnectorTest, StreamNeedsAValidToken) {
  auto res = client->Get("/v1/stream", {{"Authorization", "Bearer v_x.1.00"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["reason"], "token_invalid");
  auto none = client->Get("/v1/stream");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json::parse(none->body)["reason"], "token_missing");
}

}  // namespace
}  // namespace omni::connectors::webchat
