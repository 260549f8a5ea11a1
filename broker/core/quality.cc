// BrokerCore: quality management (docs/quality.md). A closed conversation the tenant's quality
// policy picks goes to the review queue in the close's own write; reviewers (role quality) read
// the queue and a review's history, and score it against its scorecard; the score counts in the
// agent's record (AgentQuality), whose standing routing obeys: an agent off routing is offered
// nothing new until a supervisor re-certifies them. The records live in the store's family
// `quality` and in the tenant's memory; routing learns each standing at start and at every change.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/log.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/core/broker_core.h"
#include "broker/core/quality_standing.h"
#include "broker/quality/sampling.h"
#include "broker/quality/scorecard.h"
#include "broker/quality/standing.h"
#include "broker/store/keys.h"

namespace omni::core {

using omnibroker::v1::AgentQuality;
using omnibroker::v1::Conversation;
using omnibroker::v1::Review;
using store::Family;

namespace {

constexpr int kDefaultListLimit = 100;
constexpr int kMaxListLimit = 1000;

}  // namespace

void RouteByStanding(Tenant& t, const std::string& agent_id, TimePoint now) {
  if (!t.agents.contains(agent_id)) return;
  auto it = t.quality.find(agent_id);
  const bool off = it != t.quality.end() && it->second.standing() == omnibroker::v1::QUALITY_OFF_ROUTING;
  t.routing.SetOffRouting(
      agent_id, off ? absl::StrCat("off routing for quality until a supervisor re-certifies them: ", it->second.why()) : "",
      now);
}

void BrokerCore::PutReviewIfPicked(const Tenant& t, const Conversation& closed, rocksdb::WriteBatch& batch) {
  const std::string& agent_id = closed.assigned_agent_id();
  if (agent_id.empty()) return;  // nobody held it at the close: nobody's work to review
  const quality::QualityPolicy& policy = t.routing.policy().quality;
  const omnibroker::v1::Scorecard* card = policy.ScorecardFor(closed.requirements().queue());
  if (card == nullptr) return;
  std::vector<std::string> reasons = quality::SampleReasons(policy.sampling, closed, agent_id);
  if (reasons.empty()) return;
  Review review;
  review.set_conversation_id(closed.id());
  review.set_tenant(t.name);
  review.set_agent_id(agent_id);
  review.set_queue(closed.requirements().queue().empty() ? "default" : closed.requirements().queue());
  review.set_channel(closed.channel());
  review.set_customer_id(closed.customer_id());
  *review.mutable_closed_at() = closed.updated_at();
  review.mutable_reasons()->Add(reasons.begin(), reasons.end());
  *review.mutable_handle_time() = ToProto(quality::HandleTime(closed, agent_id));
  review.set_disposition(closed.disposition());
  review.set_scorecard(card->name());
  review.set_state(omnibroker::v1::REVIEW_PENDING);
  store_.Put(batch, Family::kQuality, store::PendingReviewKey(t.name, closed.id()), review);
  LogInfo("quality", absl::StrCat("picked for review of ", agent_id, " (", absl::StrJoin(reasons, ", "), ")"),
          closed.id());
}

absl::StatusOr<Review> BrokerCore::StoredReview(const std::string& tenant, const std::string& conversation_id) const {
  Review review;
  OMNI_ASSIGN_OR_RETURN(bool pending, store_.Get(Family::kQuality, store::PendingReviewKey(tenant, conversation_id), review));
  if (pending) return review;
  OMNI_ASSIGN_OR_RETURN(bool scored, store_.Get(Family::kQuality, store::ScoredReviewKey(tenant, conversation_id), review));
  if (scored) return review;
  return absl::NotFoundError(absl::StrCat("conversation_id: conversation ", conversation_id, " is not in the review queue"));
}

bool BrokerCore::UnderReview(const std::string& tenant, const std::string& conversation_id) const {
  return StoredReview(tenant, conversation_id).ok();
}

absl::StatusOr<omnibroker::v1::ListReviewsResponse> BrokerCore::ListReviews(
    const std::string& tenant, const omnibroker::v1::ListReviewsRequest& request) const {
  OMNI_RETURN_IF_ERROR(FindTenant(tenant).status());
  const bool scored = request.state() == omnibroker::v1::REVIEW_SCORED;
  if (request.state() != omnibroker::v1::REVIEW_STATE_UNSPECIFIED && request.state() != omnibroker::v1::REVIEW_PENDING &&
      !scored) {
    return absl::InvalidArgumentError("state: REVIEW_PENDING (the default) or REVIEW_SCORED");
  }
  if (request.limit() < 0) return absl::InvalidArgumentError("limit must not be negative (0 = 100)");
  const int limit = request.limit() == 0 ? kDefaultListLimit : std::min(request.limit(), kMaxListLimit);
  std::vector<Review> found;
  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(
      Family::kQuality, scored ? store::ScoredReviewPrefix(tenant) : store::PendingReviewPrefix(tenant), false,
      std::nullopt, [&](std::string_view, std::string_view value) {
        Review review;
        if (!review.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = absl::DataLossError("unparsable review record");
          return false;
        }
        if (request.agent_id().empty() || review.agent_id() == request.agent_id()) found.push_back(std::move(review));
        return true;
      }));
  OMNI_RETURN_IF_ERROR(parse_error);
  // Waiting reviews oldest first, as a reviewer works through them; scored ones newest first.
  auto micros = [](const google::protobuf::Timestamp& t) { return t.seconds() * 1'000'000 + t.nanos() / 1000; };
  std::sort(found.begin(), found.end(), [&](const Review& a, const Review& b) {
    if (scored) return micros(a.scored_at()) > micros(b.scored_at());
    return micros(a.closed_at()) < micros(b.closed_at());
  });
  omnibroker::v1::ListReviewsResponse out;
  for (auto& review : found) {
    if (out.reviews_size() == limit) break;
    *out.add_reviews() = std::move(review);
  }
  return out;
}

absl::StatusOr<omnibroker::v1::Scorecard> BrokerCore::ScorecardToScore(const Tenant& t, const Review& review) const {
  if (review.state() == omnibroker::v1::REVIEW_SCORED) return review.scored_with();
  const quality::QualityPolicy& policy = t.routing.policy().quality;
  if (auto it = policy.scorecards.find(review.scorecard()); it != policy.scorecards.end()) return it->second;
  // Its scorecard was removed since it was picked: the queue's own now.
  if (const auto* card = policy.ScorecardFor(review.queue())) return *card;
  return absl::FailedPreconditionError(absl::StrCat("scorecard \"", review.scorecard(),
                                                    "\" is no longer in the quality policy, and queue ",
                                                    review.queue(), " has none now"));
}

absl::StatusOr<omnibroker::v1::ReviewDetail> BrokerCore::GetReview(const std::string& tenant,
                                                                    const std::string& reader_id, HistoryReader reader,
                                                                    const omnibroker::v1::GetReviewRequest& request) const {
  OMNI_ASSIGN_OR_RETURN(const Tenant* t, FindTenant(tenant));
  omnibroker::v1::ReviewDetail out;
  OMNI_ASSIGN_OR_RETURN(*out.mutable_review(), StoredReview(tenant, request.conversation_id()));
  if (auto card = ScorecardToScore(*t, out.review()); card.ok()) *out.mutable_scorecard() = *std::move(card);
  omnibroker::v1::GetHistoryRequest page;
  page.set_conversation_id(request.conversation_id());
  page.set_page_size(request.page_size());
  page.set_page_token(request.page_token());
  OMNI_ASSIGN_OR_RETURN(*out.mutable_history(), History(tenant, reader_id, reader, page));
  if (auto it = t->quality.find(out.review().agent_id()); it != t->quality.end()) *out.mutable_agent() = it->second;
  return out;
}

absl::StatusOr<omnibroker::v1::ScoreReviewResponse> BrokerCore::ScoreReview(
    const std::string& tenant, const omnibroker::v1::ScoreReviewRequest& request) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  if (request.requested_by().empty()) return absl::InvalidArgumentError("requested_by: a score says who gave it");
  OMNI_ASSIGN_OR_RETURN(Review review, StoredReview(tenant, request.conversation_id()));
  if (review.state() == omnibroker::v1::REVIEW_SCORED) {
    return absl::FailedPreconditionError(absl::StrCat("conversation ", review.conversation_id(), " was scored ",
                                                      review.total(), " by ", review.reviewer(), "; a score is final"));
  }
  if (review.agent_id() == request.requested_by()) {
    return absl::PermissionDeniedError(absl::StrCat(request.requested_by(), " may not score their own work"));
  }
  OMNI_ASSIGN_OR_RETURN(omnibroker::v1::Scorecard card, ScorecardToScore(*t, review));
  OMNI_ASSIGN_OR_RETURN(double total, quality::ScoreTotal(card, request.answers()));
  const TimePoint now = clock_.Now();
  review.set_state(omnibroker::v1::REVIEW_SCORED);
  review.set_reviewer(request.requested_by());
  *review.mutable_scored_at() = ToProto(now);
  review.set_scorecard(card.name());
  *review.mutable_scored_with() = std::move(card);
  *review.mutable_answers() = request.answers();
  review.set_total(total);
  review.set_comment(request.comment());

  AgentQuality record = QualityOf(*t, review.agent_id());
  const auto before = record.standing();
  review.set_counted(quality::AddScore(record, review.conversation_id(), total, FromProto(review.closed_at()), now,
                                       t->routing.policy().quality.thresholds));
  rocksdb::WriteBatch batch;
  store_.Delete(batch, Family::kQuality, store::PendingReviewKey(tenant, review.conversation_id()));
  store_.Put(batch, Family::kQuality, store::ScoredReviewKey(tenant, review.conversation_id()), review);
  if (review.counted()) store_.Put(batch, Family::kQuality, store::AgentQualityKey(tenant, review.agent_id()), record);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("quality", absl::StrCat("scored ", total, " by ", review.reviewer(), " for ", review.agent_id(),
                                  review.counted() ? "" : " (work from before their re-certification: not counted)"),
          review.conversation_id());
  omnibroker::v1::ScoreReviewResponse out;
  if (review.counted()) {
    t->quality[review.agent_id()] = record;
    ApplyQualityStanding(*t, review.agent_id(), before);
  }
  *out.mutable_review() = std::move(review);
  *out.mutable_agent() = std::move(record);
  return out;
}

absl::StatusOr<AgentQuality> BrokerCore::RecertifyAgent(const std::string& tenant,
                                                        const omnibroker::v1::RecertifyAgentRequest& request) {
  OMNI_ASSIGN_OR_RETURN(Tenant * t, FindTenant(tenant));
  if (request.requested_by().empty() || request.note().empty()) {
    return absl::InvalidArgumentError("requested_by and note: a re-certification says who vouches and why");
  }
  auto found = t->quality.find(request.agent_id());
  if (found == t->quality.end() || found->second.standing() != omnibroker::v1::QUALITY_OFF_ROUTING) {
    if (!t->agents.contains(request.agent_id()) && found == t->quality.end()) {
      return absl::NotFoundError(absl::StrCat("agent_id: no agent '", request.agent_id(), "'"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "agent ", request.agent_id(), " is not off routing (quality standing: ",
        quality::StandingName(found == t->quality.end() ? omnibroker::v1::QUALITY_STANDING_UNSPECIFIED
                                                        : found->second.standing()),
        "); only an agent taken off routing is re-certified"));
  }
  AgentQuality record = found->second;
  const auto before = record.standing();
  quality::Recertify(record, request.requested_by(), request.note(), clock_.Now());
  omnibroker::v1::AuditRecord audit;
  audit.set_tenant(tenant);
  audit.set_action("recertify_agent");
  audit.add_subjects(request.agent_id());
  audit.set_requested_by(request.requested_by());
  audit.set_reason(request.note());
  rocksdb::WriteBatch batch;
  store_.Put(batch, Family::kQuality, store::AgentQualityKey(tenant, request.agent_id()), record);
  PutAudit(batch, audit);
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  LogInfo("quality", absl::StrCat(request.agent_id(), " re-certified by ", request.requested_by(), ": ", request.note()));
  found->second = record;
  ApplyQualityStanding(*t, request.agent_id(), before);
  return record;
}

AgentQuality BrokerCore::QualityOf(const Tenant& t, const std::string& agent_id) const {
  if (auto it = t.quality.find(agent_id); it != t.quality.end()) return it->second;
  AgentQuality record;
  record.set_agent_id(agent_id);
  record.set_tenant(t.name);
  return record;
}

void BrokerCore::ApplyQualityStanding(Tenant& t, const std::string& agent_id,
                                      omnibroker::v1::QualityStanding before) {
  const AgentQuality& record = t.quality.at(agent_id);
  RouteByStanding(t, agent_id, clock_.Now());
  if (record.standing() == before) return;
  LogInfo("quality", absl::StrCat(agent_id, "'s quality standing: ", quality::StandingName(before), " -> ",
                                  quality::StandingName(record.standing()), " (", record.why(), ")"));
  // The agent's console and the supervisors' see it as it happens.
  omnibroker::v1::AgentUpdate update;
  *update.mutable_quality() = record;
  SendToAgent(t, agent_id, update);
  SendToSupervisors(t, update);
}

absl::Status BrokerCore::RestoreQuality(Tenant& t) {
  absl::Status parse_error;
  OMNI_RETURN_IF_ERROR(store_.Scan(Family::kQuality, store::AgentQualityPrefix(t.name), false, std::nullopt,
                                   [&](std::string_view, std::string_view value) {
                                     AgentQuality record;
                                     if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
                                       parse_error = absl::DataLossError("unparsable agent quality record");
                                       return false;
                                     }
                                     t.quality[record.agent_id()] = std::move(record);
                                     return true;
                                   }));
  OMNI_RETURN_IF_ERROR(parse_error);
  return RederiveQuality(t);
}

absl::Status BrokerCore::RederiveQuality(Tenant& t) {
  rocksdb::WriteBatch batch;
  std::vector<std::pair<std::string, omnibroker::v1::QualityStanding>> changed;
  for (auto& [agent_id, record] : t.quality) {
    const auto before = record.standing();
    quality::Derive(record, t.routing.policy().quality.thresholds, clock_.Now());
    if (record.standing() != before) {
      store_.Put(batch, Family::kQuality, store::AgentQualityKey(t.name, agent_id), record);
      changed.emplace_back(agent_id, before);
    }
    RouteByStanding(t, agent_id, clock_.Now());
  }
  if (changed.empty()) return absl::OkStatus();
  OMNI_RETURN_IF_ERROR(store_.Write(batch));
  for (const auto& [agent_id, before] : changed) ApplyQualityStanding(t, agent_id, before);
  return absl::OkStatus();
}

}  // namespace omni::core
