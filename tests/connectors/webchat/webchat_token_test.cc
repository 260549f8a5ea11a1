// Visitor tokens over HTTP: they expire (24 h after the last answer that carried a fresh one),
// an expired one is renewed by registering again while the connector holds the visitor, and
// tokens never travel in URLs (the stream takes the Authorization header or a single-use ticket).
#include <chrono>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "connectors/sdk/signature.h"
#include "tests/connectors/webchat/raw_http.h"
#include "tests/connectors/webchat/webchat_fixture.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr Duration kDay = std::chrono::hours(24);

class WebChatTokenTest : public WebChatFixture {
 protected:
  static httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  // POST /v1/messages: the answer.
  httplib::Result Say(const std::string& token, const std::string& text) {
    return client->Post("/v1/messages", Bearer(token), json{{"text", text}}.dump(),
                        "application/json");
  }
  // POST /v1/visitors presenting `token`: the body of the answer (201 expected).
  json Reregister(const std::string& token) {
    auto res = client->Post("/v1/visitors", Bearer(token), "{}", "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    return res && res->status == 201 ? json::parse(res->body) : json();
  }
  std::string Ticket(const std::string& token) {
    auto res = client->Post("/v1/stream-tickets", Bearer(token), "", "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    return res && res->status == 201 ? json::parse(res->body)["ticket"].get<std::string>() : "";
  }
  // GET `target` on a raw connection with `headers` ("Name: value\r\n" lines): the response head
  // and, for a stream, what came until `marker` or for at most a few seconds.
  std::unique_ptr<RawHttpConnection> Get(const std::string& target, const std::string& headers,
                                         std::string_view marker = "\r\n\r\n") {
    auto connection = std::make_unique<RawHttpConnection>(connector->port());
    connection->Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n");
    connection->ReadUntil(marker, std::chrono::steady_clock::now() + 10s);
    return connection;
  }
  static json BodyOf(const httplib::Result& res) { return json::parse(res->body); }
};

TEST_F(WebChatTokenTest, EveryAnswerCarriesAFreshTokenSoAnActiveVisitorStaysIn) {
  std::string token = Register({{"name", "Ann"}});
  for (int day = 0; day < 3; ++day) {
    context.fake_clock().Advance(20h);  // within the day the last token lasts
    auto res = Say(token, "day " + std::to_string(day));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 202) << res->body;
    const std::string fresh = BodyOf(res)["token"];
    EXPECT_EQ(VisitorIdOf(fresh), VisitorIdOf(token));
    token = fresh;
  }
  auto poll = client->Get("/v1/messages?after=0", Bearer(token));
  ASSERT_TRUE(poll && poll->status == 200);
  EXPECT_EQ(VisitorIdOf(BodyOf(poll)["token"]), VisitorIdOf(token));
}

TEST_F(WebChatTokenTest, AnExpiredTokenIsRefusedAndRenewedWhileTheVisitorIsKnown) {
  const std::string token = Register({{"name", "Ann"}});
  ASSERT_EQ(Say(token, "hello")->status, 202);
  context.fake_clock().Advance(kDay);
  auto refused = Say(token, "a day later");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(BodyOf(refused)["reason"], "token_expired");
  EXPECT_EQ(refused->get_header_value("WWW-Authenticate"), "Bearer error=\"invalid_token\"");

  // The profile is still held: registering again with the expired token keeps the visitor, its
  // name and its conversation (the thread key is the visitor id).
  const json renewed = Reregister(token);
  EXPECT_EQ(renewed["renewed"], true);
  EXPECT_EQ(renewed["visitor_id"], VisitorIdOf(token));
  auto again = Say(renewed["token"], "a day later");
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 202) << again->body;
  std::lock_guard lock(context.mu);
  EXPECT_EQ(context.published.back().thread_key(), VisitorIdOf(token));
  EXPECT_EQ(context.published.back().sender().display_name(), "Ann");
}

TEST_F(WebChatTokenTest, AVisitorForgottenRegistersAsANewOne) {
  const std::string token = Register({{"name", "Ann"}});
  context.fake_clock().Advance(30 * kDay);  // the profile's idle expiry
  auto refused = Say(token, "back after a month");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  const json fresh = Reregister(token);
  EXPECT_EQ(fresh["renewed"], false);
  EXPECT_NE(fresh["visitor_id"], VisitorIdOf(token));
  EXPECT_EQ(Say(fresh["token"], "hello again")->status, 202);
}

TEST_F(WebChatTokenTest, ForgedOrOldTokensGetANewVisitorAndTheirReason) {
  const std::string token = Register();
  const std::string id = VisitorIdOf(token);
  const std::string old_format = id + "." +
                                 absl::BytesToHexString(Hmac(Digest::kSha256, TestOptions().secret,
                                                             "omnibroker-webchat-visitor:" + id));
  auto old = Say(old_format, "hi");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 401);
  EXPECT_EQ(BodyOf(old)["reason"], "token_old_format");
  EXPECT_NE(Reregister(old_format)["visitor_id"], id);  // an old token is never renewed
  std::string forged = token;
  forged.back() = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(BodyOf(Say(forged, "hi"))["reason"], "token_invalid");
  EXPECT_NE(Reregister(forged)["visitor_id"], id);
  EXPECT_EQ(BodyOf(client->Get("/v1/messages?after=0"))["reason"], "token_missing");
}

TEST_F(WebChatTokenTest, TheStreamTakesNoTokenInItsUrl) {
  const std::string token = Register();
  auto in_url = Get("/v1/stream?token=" + token, "");
  ASSERT_EQ(in_url->status(), 401);
  in_url->ClosedByServer(std::chrono::steady_clock::now() + 5s);
  EXPECT_NE(in_url->received().find("\"reason\":\"token_in_url\""), std::string::npos)
      << in_url->received();
  // The header works where a client can send one (curl, an app).
  Reply(token, "r-1", "by header");
  auto by_header = Get("/v1/stream", "Authorization: Bearer " + token + "\r\n", "by header");
  EXPECT_EQ(by_header->status(), 200);
  EXPECT_NE(by_header->received().find("by header"), std::string::npos);
}

TEST_F(WebChatTokenTest, AStreamTicketWorksOnceAndBriefly) {
  const std::string token = Register();
  Reply(token, "r-1", "by ticket");
  const std::string ticket = Ticket(token);
  ASSERT_FALSE(ticket.empty());
  auto stream = Get("/v1/stream?ticket=" + ticket, "", "by ticket");
  EXPECT_EQ(stream->status(), 200);
  EXPECT_NE(stream->received().find("by ticket"), std::string::npos) << stream->received();
  auto reused = Get("/v1/stream?ticket=" + ticket, "");
  EXPECT_EQ(reused->status(), 401);
  reused->ClosedByServer(std::chrono::steady_clock::now() + 5s);
  EXPECT_NE(reused->received().find("\"reason\":\"ticket_invalid\""), std::string::npos);

  const std::string late = Ticket(token);
  context.fake_clock().Advance(30s);
  EXPECT_EQ(Get("/v1/stream?ticket=" + late, "")->status(), 401);
  EXPECT_EQ(Get("/v1/stream?ticket=", "")->status(), 401);
  // A ticket is bought with a valid token only.
  context.fake_clock().Advance(kDay);
  auto expired = client->Post("/v1/stream-tickets", Bearer(token), "", "application/json");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->status, 401);
}

TEST_F(WebChatTokenTest, AStreamEndsWhenItsTokenExpires) {
  const std::string token = Register();
  const std::string ticket = Ticket(token);
  auto stream = Get("/v1/stream?ticket=" + ticket, "");
  ASSERT_EQ(stream->status(), 200);
  context.fake_clock().Advance(kDay);
  // Ended properly (the last chunk) at the next keep-alive, then closed.
  EXPECT_TRUE(stream->ClosedByServer(std::chrono::steady_clock::now() + 10s));
  EXPECT_TRUE(absl::EndsWith(stream->received(), "0\r\n\r\n")) << stream->received();
}

}  // namespace
}  // namespace omni::connectors::webchat
