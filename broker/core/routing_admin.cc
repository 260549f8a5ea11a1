// BrokerCore: routing as Admin sees it (explanations, the policy at run time, kept across a
// restart) and the customer facts routing uses (tier, flags, personal manager, language).
#include <algorithm>

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/language_tag.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/meta_keys.h"
#include "broker/routing/policy_proto.h"
#include "broker/store/keys.h"

namespace omni::core {

using store::Family;

absl::StatusOr<omnibroker::v1::RoutingExplanation> BrokerCore::ExplainRouting(
    const std::string& tenant, const std::string& conversation_id) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  OMNI_ASSIGN_OR_RETURN(omnibroker::v1::Conversation conversation, ConversationOf(tenant, conversation_id));
  if (!open_.contains(conversation_id) && t->routing.DecisionRule(conversation_id).empty()) {
    return ExplainFromStore(conversation);  // closed: what its assignments kept
  }
  const routing::Explanation why = t->routing.Explain(conversation_id, clock_.Now());
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
  out.set_calendar(why.calendar);
  out.set_hours(why.hours);
  out.set_business_time(why.business_time);
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

absl::StatusOr<omnibroker::v1::RoutingExplanation> BrokerCore::ExplainFromStore(
    const omnibroker::v1::Conversation& stored) const {
  omnibroker::v1::RoutingExplanation out;
  out.set_conversation_id(stored.id());
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

absl::StatusOr<omnibroker::v1::RoutingPolicy> BrokerCore::RoutingPolicy(const std::string& tenant) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  return routing::PolicyToProto(t->routing.policy());
}

namespace {

bool SamePolicy(const omnibroker::v1::RoutingPolicy& a, const omnibroker::v1::RoutingPolicy& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

absl::StatusOr<omnibroker::v1::RoutingPolicy> BrokerCore::SetRoutingPolicy(
    const std::string& tenant, const omnibroker::v1::SetRoutingPolicyRequest& request) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  rocksdb::WriteBatch batch;
  routing::RoutingPolicy policy = t->configured_policy;
  if (request.back_to_config_file()) {
    if (request.policy().ByteSizeLong() != 0) {
      return absl::InvalidArgumentError("policy: give no changes with back_to_config_file");
    }
    store_.Delete(batch, Family::kMeta, StoredPolicyKey(tenant));
  } else {
    OMNI_ASSIGN_OR_RETURN(policy, routing::MergePolicy(t->routing.policy(), request.policy()));
    omnibroker::v1::StoredRoutingPolicy stored;
    *stored.mutable_config_file() = routing::PolicyToProto(t->configured_policy);
    *stored.mutable_in_force() = routing::PolicyToProto(policy);
    *stored.mutable_changed_at() = ToProto(clock_.Now());
    store_.Put(batch, Family::kMeta, StoredPolicyKey(tenant), stored);
  }
  // Stored first: a change the caller is told of is one a restart keeps.
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  OMNI_RETURN_IF_ERROR(t->routing.SetPolicy(std::move(policy), clock_.Now()));
  // Agents' standing under the thresholds in force now.
  OMNI_RETURN_IF_ERROR(RederiveQuality(*t));
  return RoutingPolicy(tenant);
}

absl::Status BrokerCore::ResumeRoutingPolicy(Tenant& t) {
  omnibroker::v1::StoredRoutingPolicy stored;
  OMNI_ASSIGN_OR_RETURN(bool found, store_.Get(Family::kMeta, StoredPolicyKey(t.name), stored));
  if (!found) return absl::OkStatus();
  const std::string when = google::protobuf::util::TimeUtil::ToString(stored.changed_at());
  const std::string whose = absl::StrCat("Admin's routing policy change of ", when, " for tenant ", t.name);
  // `in_force` spells out every field, queue rule, calendar and queue's hours in force: one Admin
  // removed is not in it.
  routing::RoutingPolicy base = t.configured_policy;
  base.queues.clear();
  base.calendars.clear();
  base.queue_hours.clear();
  base.quality.scorecards.clear();
  absl::Status dropped;
  if (!SamePolicy(stored.config_file(), routing::PolicyToProto(t.configured_policy))) {
    dropped = absl::FailedPreconditionError("the config file's routing policy was edited since");
  } else if (auto policy = routing::MergePolicy(base, stored.in_force()); !policy.ok()) {
    dropped = policy.status();  // a rule this broker has and the one that stored it had not
  } else if (dropped = t.routing.SetPolicy(*std::move(policy), clock_.Now()); dropped.ok()) {
    LogInfo("routing", absl::StrCat(whose, " is in force again"));
    return absl::OkStatus();
  }
  LogWarning("routing", absl::StrCat(whose, " is dropped, the config file's policy is in force: ",
                                     dropped.message()));
  rocksdb::WriteBatch batch;
  store_.Delete(batch, Family::kMeta, StoredPolicyKey(t.name));
  return store_.Write(batch);
}

absl::StatusOr<omnibroker::v1::Customer> BrokerCore::UpdateCustomer(
    const std::string& tenant, const omnibroker::v1::UpdateCustomerRequest& request) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  OMNI_ASSIGN_OR_RETURN(omnibroker::v1::Customer customer, CanonicalCustomerOf(tenant, request.customer_id()));
  if (request.has_tier()) customer.set_tier(request.tier());
  if (request.set_flags()) *customer.mutable_flags() = request.flags();
  if (request.has_personal_manager_agent_id()) {
    if (!request.personal_manager_agent_id().empty() && !t->agents.contains(request.personal_manager_agent_id())) {
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
