// RedactSecrets over the shapes secrets take in URLs, headers, error bodies and free text: each
// secret is gone, what is not a secret stays readable, and redacting twice changes nothing.
#include "connectors/sdk/redact.h"

#include <gtest/gtest.h>

#include <string>

namespace omni::connectors {
namespace {

struct Case {
  std::string in;
  std::string out;
};

TEST(RedactSecretsTest, TakesSecretsOutOfEveryShapeTheyTravelIn) {
  const Case cases[] = {
      // Telegram's bot token is a path segment.
      {"POST https://api.telegram.org/bot123456:AAH-x_y/sendMessage failed: Connection",
       "POST https://api.telegram.org/bot<redacted>/sendMessage failed: Connection"},
      {"http://127.0.0.1:9/prefix/bot123:ABC", "http://127.0.0.1:9/prefix/bot<redacted>"},
      {"/bot123:ABC?x=1", "/bot<redacted>?x=1"},
      {"Cannot POST /BOT123:ABC/sendMessage</pre>", "Cannot POST /BOT<redacted>/sendMessage</pre>"},
      // Query strings and forms.
      {"/method/messages.send?peer_id=2&access_token=vk1.a.SECRET&v=5.199",
       "/method/messages.send?peer_id=2&access_token=<redacted>&v=5.199"},
      {"GET /hook?hub.mode=subscribe&hub.verify_token=s3cr%20t&hub.challenge=42",
       "GET /hook?hub.mode=subscribe&hub.verify_token=<redacted>&hub.challenge=42"},
      {"client_secret=abc==&API_KEY=k#frag", "client_secret=<redacted>&API_KEY=<redacted>#frag"},
      {"token=abc sig=xyz password=p passwd=q",
       "token=<redacted> sig=<redacted> password=<redacted> passwd=<redacted>"},
      // JSON members.
      {R"({"access_token": "EAAB\"x", "id": "7"})", R"({"access_token": "<redacted>", "id": "7"})"},
      {R"({"secret_token":"abc","text":"hi"})", R"({"secret_token":"<redacted>","text":"hi"})"},
      // Headers.
      {"Authorization: Bearer EAAB123\r\nX-Viber-Auth-Token: 4453b6\r\nAccept: */*",
       "Authorization: <redacted>\r\nX-Viber-Auth-Token: <redacted>\r\nAccept: */*"},
      {"authorization: Basic QUM6dG9r", "authorization: <redacted>"},
      {"sent with bearer EAAB123, refused", "sent with bearer <redacted>, refused"},
      // Not secrets: left alone.
      {"telegram sendMessage answered HTTP 400: {\"ok\":false,\"description\":\"chat not found\"}",
       "telegram sendMessage answered HTTP 400: {\"ok\":false,\"description\":\"chat not found\"}"},
      {"x: access_token is required", "x: access_token is required"},
      {"tokens=3 monkeys", "tokens=3 monkeys"},
      {"", ""},
      {"/bot", "/bot"},
      {"access_token=", "access_token="},
      {"\"access_token\":", "\"access_token\":"},
      {"\"access_token\": \"unterminated", "\"access_token\": \"<redacted>"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(RedactSecrets(c.in), c.out) << c.in;
    EXPECT_EQ(RedactSecrets(RedactSecrets(c.in)), c.out) << "twice: " << c.in;
  }
}

}  // namespace
}  // namespace omni::connectors
