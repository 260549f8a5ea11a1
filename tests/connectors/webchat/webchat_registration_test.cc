// Registration cannot be flooded and profiles do not pile up: POST /v1/visitors is rate-limited
// per client address and in all (429 with Retry-After), the live profiles are capped (503), and a
// profile idle for visitor_idle_days is forgotten. Time is the fixture's fake clock.
#include "tests/connectors/webchat/raw_http.h"
#include "tests/connectors/webchat/webchat_fixture.h"
#include "tests/support/test_support.h"

namespace omni::connectors::webchat {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr Duration kDay = std::chrono::hours(24);

class WebChatRegistrationTest : public WebChatFixture {
 protected:
  // POST /v1/visitors from `source` (a loopback address): the raw answer.
  std::unique_ptr<RawHttpConnection> RegisterFrom(const char* source) {
    auto connection = std::make_unique<RawHttpConnection>(connector->port(), source);
    connection->Send(
        "POST /v1/visitors HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\n\r\n{}");
    connection->ClosedByServer(std::chrono::steady_clock::now() + 10s);
    return connection;
  }
  static std::string ErrorOf(const RawHttpConnection& answer) {
    const std::string& raw = answer.received();
    return json::parse(raw.substr(raw.find("\r\n\r\n") + 4))["error"];
  }

  // A message from the visitor holding `token`: its HTTP status.
  int Say(const std::string& token, const std::string& text) {
    auto res = client->Post("/v1/messages", {{"Authorization", "Bearer " + token}},
                            json{{"text", text}}.dump(), "application/json");
    return res ? res->status : 0;
  }
  // Registers again presenting `token`, as the widget does once its token has expired: the body
  // of the 201.
  json RegisterAgain(const std::string& token) {
    auto res = client->Post("/v1/visitors", {{"Authorization", "Bearer " + token}}, "{}",
                            "application/json");
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    return res && res->status == 201 ? json::parse(res->body) : json();
  }
  std::string LastSenderName() {
    std::lock_guard lock(context.mu);
    return context.published.empty() ? "" : context.published.back().sender().display_name();
  }
};

TEST_F(WebChatRegistrationTest, EachAddressIsLimitedAndOthersStillRegister) {
  WebChatOptions options = TestOptions();
  options.registration_rates = {
      .per_address_per_minute = 2, .per_address_burst = 2, .total_per_minute = 0, .total_burst = 0};
  StartConnector(options);
  EXPECT_EQ(RegisterFrom("127.0.0.1")->status(), 201);
  EXPECT_EQ(RegisterFrom("127.0.0.1")->status(), 201);
  auto refused = RegisterFrom("127.0.0.1");
  EXPECT_EQ(refused->status(), 429);
  EXPECT_EQ(refused->Header("Retry-After"), "30");
  EXPECT_EQ(ErrorOf(*refused),
            "registrations from one address are limited to 2 per minute; retry after 30 s");
  EXPECT_EQ(RegisterFrom("127.0.0.2")->status(), 201);
  context.fake_clock().Advance(30s);
  EXPECT_EQ(RegisterFrom("127.0.0.1")->status(), 201);
}

TEST_F(WebChatRegistrationTest, AllAddressesTogetherAreLimited) {
  WebChatOptions options = TestOptions();
  options.registration_rates = {
      .per_address_per_minute = 0, .per_address_burst = 0, .total_per_minute = 3, .total_burst = 3};
  StartConnector(options);
  for (const char* source : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
    EXPECT_EQ(RegisterFrom(source)->status(), 201) << source;
  }
  auto refused = RegisterFrom("127.0.0.4");
  EXPECT_EQ(refused->status(), 429);
  EXPECT_EQ(refused->Header("Retry-After"), "20");
  EXPECT_EQ(ErrorOf(*refused),
            "registrations are limited to 3 per minute in all; retry after 20 s");
}

TEST_F(WebChatRegistrationTest, LiveProfilesAreCapped) {
  WebChatOptions options = TestOptions();
  options.max_visitors = 2;
  StartConnector(options);
  const std::string first = Register();
  Register();
  auto refused = RegisterFrom("127.0.0.1");
  EXPECT_EQ(refused->status(), 503);
  EXPECT_EQ(refused->Header("Retry-After"), "60");
  EXPECT_EQ(ErrorOf(*refused), "the web chat holds its maximum of 2 visitors; retry after 60 s");
  // A profile idle for 30 days makes room; the one active since (coming back after 20 days,
  // renewing its token) keeps its own.
  context.fake_clock().Advance(20 * kDay);
  ASSERT_EQ(RegisterAgain(first)["renewed"], true);
  context.fake_clock().Advance(10 * kDay);
  EXPECT_EQ(RegisterFrom("127.0.0.1")->status(), 201);
  EXPECT_EQ(RegisterFrom("127.0.0.1")->status(), 503);
}

TEST_F(WebChatRegistrationTest, AnIdleProfileIsForgotten) {
  const std::string token = Register({{"name", "Ann"}});
  ASSERT_EQ(Say(token, "hello"), 202);
  EXPECT_EQ(LastSenderName(), "Ann");
  // Back after 29 days: the token has expired, the profile has not; renewing it is activity.
  context.fake_clock().Advance(29 * kDay);
  const json renewed = RegisterAgain(token);
  ASSERT_EQ(renewed["renewed"], true);
  ASSERT_EQ(Say(renewed["token"], "a month later"), 202);
  EXPECT_EQ(LastSenderName(), "Ann");
  // Idle 30 days: forgotten; the visitor registers as a new one, without a name.
  context.fake_clock().Advance(30 * kDay);
  const json fresh = RegisterAgain(renewed["token"]);
  ASSERT_EQ(fresh["renewed"], false);
  ASSERT_EQ(Say(fresh["token"], "much later"), 202);
  EXPECT_EQ(LastSenderName(), "");
}

TEST_F(WebChatRegistrationTest, AMalformedProfileIsRefusedNamingTheField) {
  auto res = client->Post("/v1/visitors", R"({"name": 7})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], "name must be a string");
}

TEST(WebChatRegistrationOptionsTest, ProfilesNeedRoomAndALifetime) {
  WebChatOptions options;
  options.secret = "0123456789abcdef0123";
  options.max_visitors = 0;
  EXPECT_FALSE(WebChatConnector::Create(options).ok());
  options.max_visitors = 10;
  options.visitor_idle_expiry = Duration::zero();
  EXPECT_FALSE(WebChatConnector::Create(options).ok());
}

}  // namespace
}  // namespace omni::connectors::webchat
