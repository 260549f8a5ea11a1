#include "broker/routing/validation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/language_tag.h"

namespace omni::routing {

absl::Status ValidateSkills(const google::protobuf::RepeatedPtrField<omnibroker::v1::SkillRequirement>& skills,
                            const std::string& field) {
  for (int k = 0; k < skills.size(); ++k) {
    const auto& skill = skills[k];
    if (skill.skill().empty()) return absl::InvalidArgumentError(absl::StrCat(field, "[", k, "]: name the skill"));
    if (skill.min_proficiency() < 1 || skill.min_proficiency() > 10) {
      return absl::InvalidArgumentError(absl::StrCat(field, "[", k, "] ", skill.skill(),
                                                     ": min_proficiency must be 1–10, got ", skill.min_proficiency()));
    }
    for (int j = 0; j < k; ++j) {
      if (skills[j].skill() == skill.skill()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ": ", skill.skill(), " is named twice"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateSteps(const std::vector<omnibroker::v1::RoutingStep>& steps, const std::string& field) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    if (auto s = ValidateSkills(step.skills(), at + ".skills"); !s.ok()) return s;
    if (!step.language().empty() && step.language() != "*" && !IsLanguageTag(step.language())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".language: \"", step.language(),
                                                     "\" is not \"\" (the conversation's), \"*\" (any) or a language tag"));
    }
    if (step.wait_seconds() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".wait_seconds must not be negative, got ", step.wait_seconds()));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAgent(const omnibroker::v1::Agent& agent, const std::string& field) {
  if (agent.id().empty()) return absl::InvalidArgumentError(field + ".id: is required");
  for (int k = 0; k < agent.skills_size(); ++k) {
    const auto& skill = agent.skills(k);
    const std::string at = absl::StrCat(field, ".skills[", k, "]");
    if (skill.name().empty()) return absl::InvalidArgumentError(at + ": name the skill");
    if (skill.proficiency() < 1 || skill.proficiency() > 10) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, " ", skill.name(), ": proficiency must be 1–10, got ", skill.proficiency()));
    }
    for (int j = 0; j < k; ++j) {
      if (agent.skills(j).name() == skill.name()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".skills: ", skill.name(), " is named twice"));
      }
    }
  }
  for (int k = 0; k < agent.languages_size(); ++k) {
    // An agent's language may not be left empty, as a conversation's may.
    const std::string& language = agent.languages(k);
    const std::string at = absl::StrCat(field, ".languages[", k, "]");
    if (language.empty()) return absl::InvalidArgumentError(at + ": name the language (en, pt-BR)");
    if (auto s = ValidateLanguageTag(at, language); !s.ok()) return s;
  }
  bool takes_calls = false;
  for (int k = 0; k < agent.capacity_size(); ++k) {
    const auto& c = agent.capacity(k);
    const std::string at = absl::StrCat(field, ".capacity[", k, "]");
    if (c.channel() == omnibroker::v1::CHANNEL_UNSPECIFIED) {
      return absl::InvalidArgumentError(at + ".channel: name a channel (CHANNEL_CHAT, CHANNEL_VOICE…)");
    }
    if (c.max_concurrent() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".max_concurrent must not be negative, got ", c.max_concurrent()));
    }
    for (int j = 0; j < k; ++j) {
      if (agent.capacity(j).channel() == c.channel()) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".capacity: ", omnibroker::v1::Channel_Name(c.channel()), " is given twice"));
      }
    }
    takes_calls |= c.channel() == omnibroker::v1::CHANNEL_VOICE && c.max_concurrent() > 0;
  }
  if (takes_calls && agent.voice_contact().empty()) {
    return absl::InvalidArgumentError(field + ".voice_contact: required for capacity on CHANNEL_VOICE (a SIP URI)");
  }
  return absl::OkStatus();
}

}  // namespace omni::routing
