#include "broker/quality/quality_policy.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/time_util.h"
#include "broker/quality/scorecard.h"

namespace omni::quality {
namespace {

constexpr int kMaxLastReviews = 50;

absl::Status Percent(double value, double lo, const std::string& field) {
  if (std::isfinite(value) && value >= lo && value <= 100) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", lo, " to 100, got ", value));
}

}  // namespace

const omnibroker::v1::Scorecard* QualityPolicy::ScorecardFor(const std::string& queue) const {
  const std::string& name = queue.empty() ? std::string("default") : queue;
  const omnibroker::v1::Scorecard* any = nullptr;
  for (const auto& [card_name, card] : scorecards) {
    if (card.queues().empty()) any = &card;
    for (const auto& q : card.queues()) {
      if (q == name) return &card;
    }
  }
  return any;
}

absl::Status Validate(const QualityPolicy& policy) {
  std::map<std::string, std::string> queue_cards;  // queue -> scorecard
  std::string catch_all;
  for (const auto& [name, card] : policy.scorecards) {
    const std::string field = absl::StrCat("routing.quality.scorecards.", name);
    if (name.empty() || card.name() != name) {
      return absl::InvalidArgumentError("routing.quality.scorecards[].name: name the scorecard");
    }
    OMNI_RETURN_IF_ERROR(ValidateScorecard(card, field));
    if (card.queues().empty()) {
      if (!catch_all.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".queues: \"", catch_all,
                                                       "\" names no queue either; one scorecard at most "
                                                       "serves the queues without one of their own"));
      }
      catch_all = name;
    }
    for (int i = 0; i < card.queues_size(); ++i) {
      const std::string& queue = card.queues(i);
      if (queue.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ".queues[", i, "]: name the queue"));
      auto [it, added] = queue_cards.emplace(queue, name);
      if (!added) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".queues[", i, "]: queue \"", queue,
                                                       "\" has scorecard \"", it->second, "\" already"));
      }
    }
  }
  const Sampling& s = policy.sampling;
  if (!std::isfinite(s.share) || s.share < 0 || s.share > 1) {
    return absl::InvalidArgumentError(absl::StrCat("routing.quality.sampling.share: 0 to 1, got ", s.share));
  }
  if (s.long_handle < Duration::zero()) {
    return absl::InvalidArgumentError("routing.quality.sampling.long_handle must not be negative (0 = off)");
  }
  if (s.short_handle < Duration::zero()) {
    return absl::InvalidArgumentError("routing.quality.sampling.short_handle must not be negative (0 = off)");
  }
  if (s.long_handle > Duration::zero() && s.short_handle >= s.long_handle) {
    return absl::InvalidArgumentError("routing.quality.sampling.short_handle must be shorter than long_handle");
  }
  for (size_t i = 0; i < s.dispositions.size(); ++i) {
    if (s.dispositions[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat("routing.quality.sampling.dispositions[", i, "]: name the disposition"));
    }
  }
  const Thresholds& t = policy.thresholds;
  if (t.last_reviews < 1 || t.last_reviews > kMaxLastReviews) {
    return absl::InvalidArgumentError(
        absl::StrCat("routing.quality.thresholds.last_reviews: 1 to ", kMaxLastReviews, ", got ", t.last_reviews));
  }
  OMNI_RETURN_IF_ERROR(Percent(t.off_routing_below, 0, "routing.quality.thresholds.off_routing_below"));
  OMNI_RETURN_IF_ERROR(
      Percent(t.training_below, t.off_routing_below, "routing.quality.thresholds.training_below (at least off_routing_below)"));
  return absl::OkStatus();
}

absl::StatusOr<QualityPolicy> MergeQualityPolicy(const QualityPolicy& base, const omnibroker::v1::QualityPolicy& proto) {
  QualityPolicy policy = base;
  for (const auto& card : proto.scorecards()) {
    if (card.name().empty()) return absl::InvalidArgumentError("routing.quality.scorecards[].name: name the scorecard");
    if (card.criteria().empty() && card.queues().empty()) {
      policy.scorecards.erase(card.name());
    } else {
      policy.scorecards[card.name()] = card;
    }
  }
  const auto& s = proto.sampling();
  if (s.has_share()) policy.sampling.share = s.share();
  if (s.has_breached()) policy.sampling.breached = s.breached();
  if (s.has_transferred()) policy.sampling.transferred = s.transferred();
  if (s.has_long_handle()) policy.sampling.long_handle = FromProto(s.long_handle());
  if (s.has_short_handle()) policy.sampling.short_handle = FromProto(s.short_handle());
  if (!s.dispositions().empty()) policy.sampling.dispositions.assign(s.dispositions().begin(), s.dispositions().end());
  const auto& t = proto.thresholds();
  if (t.has_last_reviews()) policy.thresholds.last_reviews = t.last_reviews();
  if (t.has_off_routing_below()) policy.thresholds.off_routing_below = t.off_routing_below();
  if (t.has_training_below()) policy.thresholds.training_below = t.training_below();
  return policy;
}

omnibroker::v1::QualityPolicy QualityPolicyToProto(const QualityPolicy& policy) {
  omnibroker::v1::QualityPolicy out;
  for (const auto& [name, card] : policy.scorecards) *out.add_scorecards() = card;
  auto* s = out.mutable_sampling();
  s->set_share(policy.sampling.share);
  s->set_breached(policy.sampling.breached);
  s->set_transferred(policy.sampling.transferred);
  *s->mutable_long_handle() = ToProto(policy.sampling.long_handle);
  *s->mutable_short_handle() = ToProto(policy.sampling.short_handle);
  s->mutable_dispositions()->Add(policy.sampling.dispositions.begin(), policy.sampling.dispositions.end());
  auto* t = out.mutable_thresholds();
  t->set_last_reviews(policy.thresholds.last_reviews);
  t->set_off_routing_below(policy.thresholds.off_routing_below);
  t->set_training_below(policy.thresholds.training_below);
  return out;
}

}  // namespace omni::quality
