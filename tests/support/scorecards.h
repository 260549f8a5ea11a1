// The scorecard tests review conversations with: the seed's support checklist of three criteria
// (greeting yes/no 10, solution 3-level 40, tone 3-level 20), scored low as greeting no,
// solution partly, tone no = 20 of 70 = 28.6.
#pragma once

#include "broker/app/broker_config.h"
#include "omnibroker/v1/quality.pb.h"

namespace omni::testing {

inline omnibroker::v1::Scorecard SupportScorecard() {
  omnibroker::v1::Scorecard card;
  card.set_name("support");
  auto add = [&](const std::string& name, double weight, omnibroker::v1::CriterionKind kind) {
    auto* c = card.add_criteria();
    c->set_name(name);
    c->set_weight(weight);
    c->set_kind(kind);
  };
  add("greeting", 10, omnibroker::v1::CRITERION_BINARY);
  add("solution", 40, omnibroker::v1::CRITERION_THREE_LEVEL);
  add("tone", 20, omnibroker::v1::CRITERION_THREE_LEVEL);
  return card;
}

// The support scorecard for every queue, and every closed conversation picked for review.
inline void ReviewEveryConversation(app::BrokerConfig& config) {
  config.routing.quality.scorecards["support"] = SupportScorecard();
  config.routing.quality.sampling.share = 1;
}

}  // namespace omni::testing
