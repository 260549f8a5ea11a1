// WhatsApp end to end with the real broker (tests/connectors/meta/meta_flow.h): handshake, a
// signed Cloud API webhook → agent, a forged one 403, a retry stored once, the reply to a fake
// Cloud API /messages, and its 131047 refusal (the 24-hour customer service window) reaching the
// agent.
#include "tests/connectors/meta/meta_flow.h"

namespace omni::connectors::meta::testing {
namespace {

TEST(WhatsAppFlowTest, WebhookToAgentReplyToCloudApiAndTheWindowRule) {
  RunFlow(FlowCase{
      .type = "whatsapp",
      .corpus_file = "whatsapp/courier_wac/hello.json",
      .event_id = "whatsapp:external_id",
      .text = "Hello World",
      .business_id = "1234567890",
      .sent_answer =
          R"({"messaging_product":"whatsapp","contacts":[{"input":"5678","wa_id":"5678"}],"messages":[{"id":"wamid.OUT1"}]})",
      .refusal =
          R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."},"fbtrace_id":"A1"}})",
      .agent_sees = "outside WhatsApp's 24-hour customer service window: only an approved "
                    "template can be sent",
      .check_reply =
          [](const nlohmann::json& sent) {
            EXPECT_EQ(sent["messaging_product"], "whatsapp");
            EXPECT_EQ(sent["to"], "5678");
            EXPECT_EQ(sent["type"], "text");
            EXPECT_EQ(sent["text"]["body"], "Hi, how can I help?");
          },
      .notice_file = "whatsapp/meta_docs/calls_connect.json",
      .notice_type = "calls",
  });
}

// A customer with a WhatsApp username and no phone number shared: the BSUID is who they are, and
// the reply names it as `recipient` (Meta's business-scoped user ids reference).
TEST(WhatsAppFlowTest, ACustomerKnownOnlyByABsuidIsRoutedAndAnswered) {
  RunFlow(FlowCase{
      .type = "whatsapp",
      .corpus_file = "whatsapp/meta_docs/bsuid_text_without_phone.json",
      .event_id = "whatsapp:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=",
      .text = "Does it come in another color?",
      .business_id = "106540352242922",
      .sent_answer =
          R"({"messaging_product":"whatsapp","contacts":[{"input":"US.13491208655302741918","user_id":"US.13491208655302741918"}],"messages":[{"id":"wamid.OUT2"}]})",
      .refusal =
          R"({"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,"fbtrace_id":"A2"}})",
      .agent_sees = "outside WhatsApp's 24-hour customer service window",
      .check_reply =
          [](const nlohmann::json& sent) {
            EXPECT_EQ(sent["recipient"], "US.13491208655302741918");
            EXPECT_FALSE(sent.contains("to"));
            EXPECT_EQ(sent["text"]["body"], "Hi, how can I help?");
          },
  });
}

}  // namespace
}  // namespace omni::connectors::meta::testing
