// Instagram end to end with the real broker (tests/connectors/meta/meta_flow.h): handshake, a
// signed Instagram webhook → agent, a forged one 403, a retry stored once, the reply to a fake
// Send API, and its refusal outside the messaging window reaching the agent.
#include "tests/connectors/meta/meta_flow.h"

namespace omni::connectors::meta::testing {
namespace {

TEST(InstagramFlowTest, WebhookToAgentReplyToSendApiAndTheWindowRule) {
  RunFlow(FlowCase{
      .type = "instagram",
      .corpus_file = "instagram/courier_ig/hello_msg.json",
      .event_id = "instagram:external_id",
      .text = "Hello World",
      .business_id = "1234567890",
      .sent_answer = R"({"recipient_id":"5678","message_id":"m_OUT1"})",
      .refusal =
          R"({"error":{"message":"The message is sent outside of allowed window.","type":"IGApiException","code":10,"error_subcode":2534022,"fbtrace_id":"A2"}})",
      .agent_sees = "outside Instagram's 24-hour messaging window",
      .check_reply =
          [](const nlohmann::json& sent) {
            EXPECT_EQ(sent["recipient"]["id"], "5678");
            EXPECT_EQ(sent["message"]["text"], "Hi, how can I help?");
          },
  });
}

}  // namespace
}  // namespace omni::connectors::meta::testing
