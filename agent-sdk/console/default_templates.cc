// The template set omni-console uses without --templates: a greeting, the usual claims and a
// de-escalation script, with the disposition codes a support team starts from.
#include "templates.h"

namespace omni::console {

TemplateSet DefaultTemplates() {
  static constexpr std::string_view kYaml = R"(templates:
  - situation: greeting
    title: Hello
    text: "Hello {customer_name}, this is {agent_name}. How can I help you today?"
  - situation: greeting
    title: Welcome back
    text: "Welcome back, {customer_name}! I have your earlier messages in front of me."
  - situation: claim
    title: Late delivery
    text: "I am sorry your order is late, {customer_name}. Could you send me the order number?\nI will check where it is right away."
  - situation: claim
    title: Refund
    text: "I have started a refund for you, {customer_name}. It reaches your account in 3 to 5 business days."
  - situation: claim
    title: Damaged item
    text: "I am sorry the item arrived damaged. Could you send a photo of it?\nWe will replace it at no cost."
  - situation: conflict
    title: De-escalate
    text: "I understand how frustrating this is, {customer_name}, and I want to fix it.\nLet me go through what happened step by step."
  - situation: conflict
    title: Hand to a supervisor
    text: "I am bringing in my supervisor, who can decide on this. Please stay with us, {customer_name}."
  - situation: closing
    title: Anything else
    text: "Is there anything else I can help you with, {customer_name}?"
dispositions: [resolved, refund_issued, replacement_sent, escalated, no_answer, spam]
)";
  // The embedded text is tested to parse (console_templates_test), so this cannot fail.
  return *ParseTemplates(kYaml, "default templates");
}

}  // namespace omni::console
