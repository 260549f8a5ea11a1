// What the Meta channels share: the subscription handshake, the signature header, Meta's
// timestamps and the Graph API error mapping (each channel's rule error reaching the agent as
// FAILED_PRECONDITION, transient ones as UNAVAILABLE).
#include <gtest/gtest.h>

#include "connectors/meta/graph_api.h"
#include "connectors/meta/json_fields.h"
#include "connectors/meta/meta_webhook.h"

namespace omni::connectors::meta {
namespace {

InboundRequest Get(std::string target) {
  return InboundRequest{.method = "GET", .path = std::move(target)};
}

TEST(MetaHandshakeTest, AnswersTheChallengeOnlyForTheVerifyToken) {
  auto ok = AnswerSubscription(
      "tok en", Get("/hook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=tok%20en"));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "1158201444");
  EXPECT_TRUE(AnswerSubscription("tok en", Get("/hook?hub.mode=subscribe&hub.verify_token=tok+en&"
                                               "hub.challenge=x"))
                  .ok());
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"/hook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.verify_token"},
      {"/hook?hub.mode=unsubscribe&hub.verify_token=tok%20en&hub.challenge=1", "hub.mode"},
      {"/hook?hub.mode=subscribe&hub.verify_token=tok%20en", "hub.challenge is missing"},
      {"/hook", "hub.mode"},
      {"/hook?hub.mode=subscribe&hub.challenge=1", "missing hub.verify_token"},
  };
  for (const auto& [target, why] : refused) {
    auto answer = AnswerSubscription("tok en", Get(target));
    ASSERT_FALSE(answer.ok()) << target;
    EXPECT_EQ(answer.status().code(), absl::StatusCode::kPermissionDenied) << target;
    EXPECT_NE(answer.status().message().find(why), absl::string_view::npos) << answer.status();
  }
  // No verify token configured: never a match, whatever is sent.
  EXPECT_FALSE(
      AnswerSubscription("", Get("/hook?hub.mode=subscribe&hub.verify_token=&hub.challenge=1"))
          .ok());
}

TEST(MetaSignatureTest, NoSecretConfiguredIsAConfigurationError) {
  InboundRequest request{.method = "POST", .body = "{}"};
  request.headers.emplace_back("x-hub-signature-256", "sha256=00");
  EXPECT_EQ(VerifySignature("", request).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VerifySignature("secret", request).code(), absl::StatusCode::kUnauthenticated);
}

TEST(MetaTimestampTest, SecondsMillisecondsDigitStringsAndIsoTimes) {
  google::protobuf::Timestamp t;
  ASSERT_TRUE(ParseTimestamp(json(1459991487970), t));
  EXPECT_EQ(t.seconds(), 1459991487);
  EXPECT_EQ(t.nanos(), 970'000'000);
  ASSERT_TRUE(ParseTimestamp(json(1701599111), t));
  EXPECT_EQ(t.seconds(), 1701599111);
  ASSERT_TRUE(ParseTimestamp(json("1454119029"), t));
  EXPECT_EQ(t.seconds(), 1454119029);
  ASSERT_TRUE(ParseTimestamp(json("2021-09-08T06:34:04+0000"), t));
  EXPECT_EQ(t.seconds(), 1631082844);
  EXPECT_FALSE(ParseTimestamp(json("asdf"), t));
  EXPECT_FALSE(ParseTimestamp(json(-5), t));
  EXPECT_FALSE(ParseTimestamp(json(1.5), t));
  EXPECT_FALSE(ParseTimestamp(json::array(), t));
  EXPECT_FALSE(ParseTimestamp(json(INT64_MAX), t));         // past the year 9999
  EXPECT_FALSE(Bool(json{{"is_echo", "yes"}}, "is_echo"));  // a wrong type is not a throw
  EXPECT_TRUE(Bool(json{{"is_echo", true}}, "is_echo"));
}

ProviderResponse Error(int http, const std::string& error) {
  return ProviderResponse{http, R"({"error":)" + error + "}"};
}

TEST(GraphApiTest, ChannelRulesAreFailedPreconditionWithAnActionableMessage) {
  struct Case {
    ProviderResponse response;
    absl::StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {Error(400, R"({"message":"(#131047) Re-engagement message","code":131047})"),
       absl::StatusCode::kFailedPrecondition,
       "outside WhatsApp's 24-hour customer service window: only an approved template can be sent"},
      {Error(
           400,
           R"({"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278})"),
       absl::StatusCode::kFailedPrecondition,
       "outside Messenger's 24-hour standard messaging window"},
      {Error(400, R"({"message":"outside of allowed window","code":10,"error_subcode":2534022})"),
       absl::StatusCode::kFailedPrecondition, "outside Instagram's 24-hour messaging window"},
      {Error(
           400,
           R"({"message":"(#551) This person isn't available right now.","code":551,"error_subcode":1545041})"),
       absl::StatusCode::kFailedPrecondition, "the customer is not available right now"},
      {Error(400, R"({"message":"Invalid OAuth access token.","code":190})"),
       absl::StatusCode::kPermissionDenied, "access_token must be renewed"},
      {Error(400, R"({"message":"(#130429) Rate limit hit","code":130429})"),
       absl::StatusCode::kUnavailable, "throughput limit"},
      {Error(400, R"({"message":"(#10) Permission denied","code":10,"error_subcode":1})"),
       absl::StatusCode::kInvalidArgument, "answered HTTP 400"},
      {ProviderResponse{503, "upstream down"}, absl::StatusCode::kUnavailable, "HTTP 503"},
      {ProviderResponse{400, "not json"}, absl::StatusCode::kInvalidArgument, "HTTP 400"},
  };
  for (const Case& c : cases) {
    const absl::Status s = SendStatus(c.response, "test send");
    EXPECT_EQ(s.code(), c.code) << c.response.body;
    EXPECT_NE(s.message().find(c.message), absl::string_view::npos) << s;
  }
  EXPECT_TRUE(SendStatus(ProviderResponse{200, R"({"message_id":"m"})"}, "test send").ok());
}

}  // namespace
}  // namespace omni::connectors::meta
