// Messenger end to end with the real broker (tests/connectors/meta/meta_flow.h): handshake, a
// signed page webhook → agent, a forged one 403, a retry stored once, the reply to a fake Send
// API, and its refusal outside the 24-hour standard messaging window reaching the agent.
#include "tests/connectors/meta/meta_flow.h"

namespace omni::connectors::meta::testing {
namespace {

TEST(MessengerFlowTest, WebhookToAgentReplyToSendApiAndTheWindowRule) {
  RunFlow(FlowCase{
      .type = "messenger",
      .corpus_file = "messenger/courier_fba/hello_msg.json",
      .event_id = "messenger:external_id",
      .text = "Hello World",
      .business_id = "1234567890",
      .sent_answer = R"({"recipient_id":"5678","message_id":"m_OUT1"})",
      .refusal =
          R"({"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":2018278,"fbtrace_id":"A1"}})",
      .agent_sees = "outside Messenger's 24-hour standard messaging window: the customer must "
                    "write again",
      .check_reply =
          [](const nlohmann::json& sent) {
            EXPECT_EQ(sent["recipient"]["id"], "5678");
            EXPECT_EQ(sent["messaging_type"], "RESPONSE");
            EXPECT_EQ(sent["message"]["text"], "Hi, how can I help?");
          },
      // A checkbox plugin's opt-in: a notice naming the person by user_ref only.
      .notice_file = "messenger/botman_split/fb_optin_user_ref_no_sender.json",
      .notice_type = "optin",
  });
}

}  // namespace
}  // namespace omni::connectors::meta::testing
