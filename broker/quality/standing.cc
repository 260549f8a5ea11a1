#include "broker/quality/standing.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/time_util.h"

namespace omni::quality {

using omnibroker::v1::QualityStanding;

std::string StandingName(QualityStanding standing) {
  switch (standing) {
    case omnibroker::v1::QUALITY_GOOD:
      return "good";
    case omnibroker::v1::QUALITY_TRAINING:
      return "training";
    case omnibroker::v1::QUALITY_OFF_ROUTING:
      return "off routing";
    default:
      return "no reviews";
  }
}

bool AddScore(omnibroker::v1::AgentQuality& record, const std::string& conversation_id, double total,
              TimePoint closed_at, TimePoint now, const Thresholds& thresholds) {
  if (record.has_recertified_at() && closed_at < FromProto(record.recertified_at())) return false;
  auto* score = record.add_recent();
  score->set_conversation_id(conversation_id);
  score->set_total(total);
  *score->mutable_scored_at() = ToProto(now);
  if (record.recent_size() > kKeptScores) {
    record.mutable_recent()->DeleteSubrange(0, record.recent_size() - kKeptScores);
  }
  Derive(record, thresholds, now);
  return true;
}

void Derive(omnibroker::v1::AgentQuality& record, const Thresholds& thresholds, TimePoint now) {
  const int count = std::min(record.recent_size(), thresholds.last_reviews);
  if (count == 0) {
    record.set_average(0);
    record.set_averaged(0);
    return;  // no score yet: the standing (none, or a re-certification's) stands
  }
  double sum = 0;
  for (int i = record.recent_size() - count; i < record.recent_size(); ++i) sum += record.recent(i).total();
  const double average = std::round(10 * sum / count) / 10;
  record.set_average(average);
  record.set_averaged(count);
  if (record.standing() == omnibroker::v1::QUALITY_OFF_ROUTING) return;  // until re-certified
  const std::string of = absl::StrFormat("average %.1f of the last %d review%s", average, count, count == 1 ? "" : "s");
  QualityStanding standing = omnibroker::v1::QUALITY_GOOD;
  std::string why = of;
  if (average < thresholds.off_routing_below) {
    standing = omnibroker::v1::QUALITY_OFF_ROUTING;
    why = absl::StrCat(of, " is below ", thresholds.off_routing_below);
  } else if (average < thresholds.training_below) {
    standing = omnibroker::v1::QUALITY_TRAINING;
    why = absl::StrCat(of, " is below ", thresholds.training_below);
  }
  if (standing != record.standing()) *record.mutable_since() = ToProto(now);
  record.set_standing(standing);
  record.set_why(why);
}

void Recertify(omnibroker::v1::AgentQuality& record, const std::string& by, const std::string& note, TimePoint now) {
  record.clear_recent();
  record.set_average(0);
  record.set_averaged(0);
  record.set_standing(omnibroker::v1::QUALITY_GOOD);
  record.set_why(absl::StrCat("re-certified by ", by, note.empty() ? "" : ": ", note));
  *record.mutable_since() = ToProto(now);
  record.set_recertified_by(by);
  *record.mutable_recertified_at() = ToProto(now);
  record.set_recertify_note(note);
}

}  // namespace omni::quality
