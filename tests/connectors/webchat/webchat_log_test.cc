// Nothing the web chat logs carries a visitor token or a stream ticket: refusals are logged (at
// most a line per 10 s) with the URL's query values blanked and no header, and counted by reason.
#include "tests/connectors/webchat/raw_http.h"
#include "tests/connectors/webchat/webchat_fixture.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

using WebChatLogTest = WebChatFixture;

TEST_F(WebChatLogTest, RefusalsAreLoggedAndCountedWithoutTokensOrTickets) {
  const std::string token = Register();
  const httplib::Headers auth{{"Authorization", "Bearer " + token}};
  auto ticket_answer = client->Post("/v1/stream-tickets", auth, "", "application/json");
  ASSERT_TRUE(ticket_answer && ticket_answer->status == 201);
  const std::string ticket = json::parse(ticket_answer->body)["ticket"];
  const auto get = [&](const std::string& target) {
    RawHttpConnection connection(connector->port());
    connection.Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    connection.ClosedByServer(std::chrono::steady_clock::now() + 10s);
    return connection.status();
  };

  ::testing::internal::CaptureStderr();
  ASSERT_EQ(get("/v1/stream?token=" + token), 401);
  context.fake_clock().Advance(10s);  // past the log's throttle
  {
    RawHttpConnection stream(connector->port());
    stream.Send("GET /v1/stream?ticket=" + ticket + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.ReadUntil("\r\n\r\n", std::chrono::steady_clock::now() + 10s);
    ASSERT_EQ(stream.status(), 200);
  }
  ASSERT_EQ(get("/v1/stream?ticket=" + ticket), 401);  // used already
  context.fake_clock().Advance(std::chrono::hours(24));
  auto expired = client->Get("/v1/messages?after=0", auth);
  ASSERT_TRUE(expired && expired->status == 401);
  const std::string logged = ::testing::internal::GetCapturedStderr();

  EXPECT_NE(logged.find("refused GET /v1/stream?token=REDACTED from 127.0.0.1: 401 token_in_url"),
            std::string::npos)
      << logged;
  EXPECT_NE(
      logged.find("refused GET /v1/stream?ticket=REDACTED from 127.0.0.1: 401 ticket_invalid"),
      std::string::npos)
      << logged;
  EXPECT_NE(logged.find("refused GET /v1/messages?after=0 from 127.0.0.1: 401 token_expired"),
            std::string::npos)
      << logged;
  EXPECT_EQ(logged.find(token.substr(token.find('.'))), std::string::npos) << logged;
  EXPECT_EQ(logged.find(ticket), std::string::npos) << logged;

  const auto rejections = connector->Rejections();
  EXPECT_EQ(rejections.at("token_in_url"), 1);
  EXPECT_EQ(rejections.at("ticket_invalid"), 1);
  EXPECT_EQ(rejections.at("token_expired"), 1);
}

TEST_F(WebChatLogTest, AFloodOfRefusalsLogsALineAPeriod) {
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 5; ++i) client->Get("/v1/messages?after=0");
  context.fake_clock().Advance(10s);
  client->Get("/v1/messages?after=0");
  const std::string logged = ::testing::internal::GetCapturedStderr();
  size_t lines = 0;
  for (size_t at = logged.find("refused GET"); at != std::string::npos;
       at = logged.find("refused GET", at + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u) << logged;
  EXPECT_NE(logged.find("(and 4 more like it since"), std::string::npos) << logged;
  EXPECT_EQ(connector->Rejections().at("token_missing"), 6);
}

}  // namespace
}  // namespace omni::connectors::webchat
