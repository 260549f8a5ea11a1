#include "broker/ingest/validate.h"

#include <gtest/gtest.h>

#include <functional>

namespace omni::ingest {
namespace {

using omnibroker::v1::Event;

Event ValidEvent() {
  Event e;
  e.set_id("webchat:v1:m1");
  e.set_tenant("default");
  e.set_channel(omnibroker::v1::CHANNEL_CHAT);
  e.set_provider("webchat");
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  e.mutable_sender()->set_provider("webchat");
  e.mutable_sender()->set_handle("v1");
  e.set_thread_key("v1");
  e.mutable_occurred_at()->set_seconds(1700000000);
  e.mutable_content()->set_text("hello");
  return e;
}

TEST(ValidateTest, AcceptsAValidEvent) { EXPECT_TRUE(ValidateInbound(ValidEvent()).ok()); }

struct Case {
  const char* name;
  std::function<void(Event&)> breakIt;
  const char* field;  // the rejection names it
  // Malformed (invalid) or above a limit (over_limit, counted apart).
  absl::StatusCode code = absl::StatusCode::kInvalidArgument;
};

TEST(ValidateTest, RejectsEachMissingOrBadFieldByName) {
  const Case cases[] = {
      {"no id", [](Event& e) { e.clear_id(); }, "id"},
      {"no tenant", [](Event& e) { e.clear_tenant(); }, "tenant"},
      {"no provider", [](Event& e) { e.clear_provider(); }, "provider"},
      {"no sender", [](Event& e) { e.mutable_sender()->clear_handle(); }, "sender.handle"},
      {"no thread", [](Event& e) { e.clear_thread_key(); }, "thread_key"},
      {"no channel", [](Event& e) { e.set_channel(omnibroker::v1::CHANNEL_UNSPECIFIED); },
       "channel"},
      {"unknown channel", [](Event& e) { e.set_channel(static_cast<omnibroker::v1::Channel>(99)); },
       "channel"},
      {"outbound", [](Event& e) { e.set_direction(omnibroker::v1::DIRECTION_OUTBOUND); },
       "direction"},
      {"no kind", [](Event& e) { e.set_kind(omnibroker::v1::EVENT_KIND_UNSPECIFIED); }, "kind"},
      {"no time", [](Event& e) { e.clear_occurred_at(); }, "occurred_at"},
      {"NUL in id", [](Event& e) { e.set_id(std::string("a\0b", 3)); }, "id"},
      {"huge id", [](Event& e) { e.set_id(std::string(600, 'x')); }, "id"},
      {"huge text", [](Event& e) { e.mutable_content()->set_text(std::string(300 * 1024, 'x')); },
       "content.text", absl::StatusCode::kResourceExhausted},
      {"huge html", [](Event& e) { e.mutable_content()->set_html(std::string(1100 * 1024, 'x')); },
       "content.html", absl::StatusCode::kResourceExhausted},
      {"huge event",
       [](Event& e) { e.mutable_content()->set_subject(std::string(2100 * 1024, 'x')); }, "event",
       absl::StatusCode::kResourceExhausted},
      {"too many attachments",
       [](Event& e) {
         for (int i = 0; i < 51; ++i)
           e.mutable_content()->add_attachments()->set_url("https://x/" + std::to_string(i));
       },
       "content.attachments", absl::StatusCode::kResourceExhausted},
      {"huge attachment",
       [](Event& e) {
         e.mutable_content()->add_attachments()->set_size_bytes(1000);
         e.mutable_content()->add_attachments()->set_size_bytes((25 << 20) + 1);
       },
       "content.attachments[1].size_bytes", absl::StatusCode::kResourceExhausted},
      {"negative attachment size",
       [](Event& e) { e.mutable_content()->add_attachments()->set_size_bytes(-1); },
       "content.attachments[0].size_bytes"},
      {"not a language tag", [](Event& e) { e.set_language("english"); }, "language"},
      {"language with a space", [](Event& e) { e.set_language("en US"); }, "language"},
      {"skill without a name", [](Event& e) { e.mutable_routing()->add_skills()->set_min_proficiency(3); },
       "routing.skills[0]"},
      {"proficiency out of range",
       [](Event& e) {
         auto* skill = e.mutable_routing()->add_skills();
         skill->set_skill("billing");
         skill->set_min_proficiency(11);
       },
       "routing.skills[0] billing"},
      {"proficiency unset",
       [](Event& e) { e.mutable_routing()->add_skills()->set_skill("billing"); }, "routing.skills[0] billing"},
      {"broker fields set", [](Event& e) { e.set_conversation_id("c1"); }, "conversation_id"},
  };
  for (const auto& c : cases) {
    Event e = ValidEvent();
    c.breakIt(e);
    const absl::Status s = ValidateInbound(e);
    EXPECT_EQ(s.code(), c.code) << c.name << ": " << s;
    EXPECT_EQ(s.message().substr(0, std::string(c.field).size()), c.field) << c.name << ": " << s;
  }
}

TEST(ValidateTest, AcceptsLanguageTagsAndSkillsInRange) {
  Event e = ValidEvent();
  for (const char* tag : {"en", "pt-br", "pt-BR", "zh-Hant", "es-419"}) {
    e.set_language(tag);
    EXPECT_TRUE(ValidateInbound(e).ok()) << tag << ": " << ValidateInbound(e);
  }
  for (int level : {1, 10}) {
    auto* skill = e.mutable_routing()->add_skills();
    skill->set_skill("s" + std::to_string(level));
    skill->set_min_proficiency(level);
  }
  EXPECT_TRUE(ValidateInbound(e).ok()) << ValidateInbound(e);
}

TEST(ValidateTest, AcceptsAnAttachmentAtTheLimit) {
  Event e = ValidEvent();
  e.mutable_content()->add_attachments()->set_size_bytes(Limits{}.max_attachment_bytes);
  EXPECT_TRUE(ValidateInbound(e).ok());
}

}  // namespace
}  // namespace omni::ingest
