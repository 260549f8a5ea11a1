// BrokerCore: routing as Admin sees it (explanations, the policy at run time) and the customer
// facts routing uses (tier, flags, personal manager, language).
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/language_tag.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/routing/policy_proto.h"

namespace omni::core {

using store::Family;

absl::StatusOr<omnibroker::v1::RoutingExplanation> BrokerCore::ExplainRouting(const std::string& conversation_id) const {
  if (!open_.contains(conversation_id) && routing_.DecisionRule(conversation_id).empty()) {
    return ExplainFromStore(conversation_id);  // closed: what its assignments kept
  }
  const routing::Explanation why = routing_.Explain(conversation_id, clock_.Now());
  omnibroker::v1::RoutingExplanation out;
  out.set_conversation_id(why.conversation_id);
  out.set_state(why.state);
  out.set_phase(why.phase);
  out.set_urgency(why.urgency);
  auto* parts = out.mutable_urgency_parts();
  parts->set_tier(why.urgency_parts.tier);
  parts->set_waited(why.urgency_parts.waited);
  parts->set_priority(why.urgency_parts.priority);
  parts->set_at_risk(why.urgency_parts.at_risk);
  out.set_agent_id(why.agent_id);
  out.set_rule(why.rule);
  *out.mutable_decided_at() = ToProto(why.decided_at);
  for (const auto& c : why.candidates) {
    auto* candidate = out.add_candidates();
    candidate->set_agent_id(c.agent_id);
    candidate->set_eligible(c.eligible);
    candidate->set_verdict(c.verdict);
    candidate->set_fit(c.fit);
    candidate->set_effort(c.effort);
    candidate->set_load(c.load);
    candidate->set_capacity(c.capacity);
  }
  return out;
}

absl::StatusOr<omnibroker::v1::RoutingExplanation> BrokerCore::ExplainFromStore(const std::string& conversation_id) const {
  omnibroker::v1::Conversation stored;
  OMNI_ASSIGN_OR_RETURN(bool found, store_.Get(Family::kConversations, conversation_id, stored));
  if (!found) return absl::NotFoundError(absl::StrCat("no conversation ", conversation_id));
  omnibroker::v1::RoutingExplanation out;
  out.set_conversation_id(conversation_id);
  out.set_state(absl::AsciiStrToLower(absl::StripPrefix(omnibroker::v1::ConversationState_Name(stored.state()),
                                                        "CONVERSATION_STATE_")));
  if (stored.assignments().empty()) {
    out.set_rule("ended before any agent took it");
    return out;
  }
  const auto& last = *stored.assignments().rbegin();
  out.set_agent_id(last.agent_id());
  out.set_rule(last.rule().empty() ? "not kept (assigned by an older broker)" : last.rule());
  *out.mutable_decided_at() = last.started_at();
  return out;
}

omnibroker::v1::RoutingPolicy BrokerCore::RoutingPolicy() const { return routing::PolicyToProto(routing_.policy()); }

absl::StatusOr<omnibroker::v1::RoutingPolicy> BrokerCore::SetRoutingPolicy(const omnibroker::v1::RoutingPolicy& changes) {
  OMNI_ASSIGN_OR_RETURN(routing::RoutingPolicy policy, routing::MergePolicy(routing_.policy(), changes));
  OMNI_RETURN_IF_ERROR(routing_.SetPolicy(std::move(policy), clock_.Now()));
  return RoutingPolicy();
}

absl::StatusOr<omnibroker::v1::Customer> BrokerCore::UpdateCustomer(const omnibroker::v1::UpdateCustomerRequest& request) {
  OMNI_ASSIGN_OR_RETURN(omnibroker::v1::Customer customer, CanonicalCustomer(request.customer_id()));
  if (request.has_tier()) customer.set_tier(request.tier());
  if (request.set_flags()) *customer.mutable_flags() = request.flags();
  if (request.has_personal_manager_agent_id()) {
    if (!request.personal_manager_agent_id().empty() && !agents_.contains(request.personal_manager_agent_id())) {
      return absl::InvalidArgumentError(
          absl::StrCat("personal_manager_agent_id: no agent '", request.personal_manager_agent_id(), "'"));
    }
    customer.set_personal_manager_agent_id(request.personal_manager_agent_id());
  }
  if (request.has_preferred_language()) {
    OMNI_RETURN_IF_ERROR(ValidateLanguageTag("preferred_language", request.preferred_language()));
    customer.set_preferred_language(request.preferred_language());
  }
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kCustomers, customer.id(), customer);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  // Their waiting conversations are routed again by the new facts (keeping their queued time).
  RerouteWaiting(customer.id());
  return customer;
}

}  // namespace omni::core
