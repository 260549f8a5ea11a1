// What the routing engine accepts from the config file, Admin, transfers and connectors, checked
// in one place before it reaches the engine; every error names the field and the value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "omnibroker/v1/agent.pb.h"
#include "omnibroker/v1/conversation.pb.h"

namespace omni::routing {

// Required skills (a step's, a transfer's): each named once, with a minimum proficiency of 1–10.
// `field` names the list in the error ("transfer.to_queue.skills").
absl::Status ValidateSkills(const google::protobuf::RepeatedPtrField<omnibroker::v1::SkillRequirement>& skills,
                            const std::string& field);

// Routing steps as a queue rule or a transfer gives them: skills named once each with a minimum
// proficiency of 1–10, a language of "" (the conversation's), "*" (any) or a language tag, waits
// not negative. `field` names them in the error ("routing.queues.billing.steps").
absl::Status ValidateSteps(const std::vector<omnibroker::v1::RoutingStep>& steps, const std::string& field);

// A roster entry (config file `agents:`, Admin UpsertAgent): an id; skills named once each with a
// proficiency of 1–10; languages as tags; capacity per named channel, once each, not negative;
// a voice_contact when it has capacity for calls (a call can only be put through to a phone).
// `field` names it in the error ("agents[2]", "agent").
absl::Status ValidateAgent(const omnibroker::v1::Agent& agent, const std::string& field);

}  // namespace omni::routing
