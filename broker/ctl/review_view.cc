#include "broker/ctl/review_view.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/terminal_text.h"
#include "broker/quality/scorecard.h"
#include "broker/quality/standing.h"

namespace omni::ctl {
namespace {

using omnibroker::v1::Answer;

std::string Time(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
}

std::string Minutes(const google::protobuf::Duration& d) {
  return absl::StrFormat("%dm%02ds", d.seconds() / 60, d.seconds() % 60);
}

std::string AnswerName(Answer answer) {
  switch (answer) {
    case omnibroker::v1::ANSWER_YES:
      return "yes";
    case omnibroker::v1::ANSWER_PARTIAL:
      return "partly";
    case omnibroker::v1::ANSWER_NO:
      return "no";
    case omnibroker::v1::ANSWER_NOT_APPLICABLE:
      return "n/a";
    default:
      return "-";
  }
}

}  // namespace

std::string RenderReviews(const omnibroker::v1::ListReviewsResponse& reviews, bool scored) {
  std::string out;
  if (scored) {
    absl::StrAppendFormat(&out, "%-36s %-16s %-12s %-20s %6s  %s\n", "CONVERSATION", "AGENT", "SCORECARD", "SCORED",
                          "TOTAL", "REVIEWER");
  } else {
    absl::StrAppendFormat(&out, "%-36s %-16s %-12s %-20s %s\n", "CONVERSATION", "AGENT", "QUEUE", "CLOSED", "PICKED");
  }
  for (const auto& r : reviews.reviews()) {
    if (scored) {
      absl::StrAppendFormat(&out, "%-36s %-16s %-12s %-20s %6.1f  %s%s\n", r.conversation_id(), r.agent_id(),
                            r.scorecard(), Time(r.scored_at()), r.total(), r.reviewer(),
                            r.counted() ? "" : " (not counted)");
    } else {
      absl::StrAppendFormat(&out, "%-36s %-16s %-12s %-20s %s\n", r.conversation_id(), r.agent_id(), r.queue(),
                            Time(r.closed_at()), absl::StrJoin(r.reasons(), ", "));
    }
  }
  if (reviews.reviews().empty()) absl::StrAppend(&out, scored ? "(none scored)\n" : "(none waiting)\n");
  return out;
}

std::string RenderReview(const omnibroker::v1::ReviewDetail& detail) {
  const auto& r = detail.review();
  const bool scored = r.state() == omnibroker::v1::REVIEW_SCORED;
  std::string out = absl::StrCat("review of ", r.conversation_id(), scored ? " (scored)" : " (waiting)", "\n");
  absl::StrAppend(&out, "agent:    ", r.agent_id(), "\n");
  absl::StrAppend(&out, "queue:    ", r.queue(), ", ", omnibroker::v1::Channel_Name(r.channel()), "\n");
  absl::StrAppend(&out, "closed:   ", Time(r.closed_at()), ", handled ", Minutes(r.handle_time()),
                  r.disposition().empty() ? "" : absl::StrCat(", disposition ", r.disposition()), "\n");
  absl::StrAppend(&out, "picked:   ", absl::StrJoin(r.reasons(), ", "), "\n");
  const auto& card = detail.scorecard();
  if (card.criteria().empty()) {
    absl::StrAppend(&out, "scorecard: none in the quality policy for it now\n");
  } else {
    absl::StrAppend(&out, "scorecard ", card.name(), ":\n");
    absl::StrAppendFormat(&out, "  %-24s %-8s %7s  %s\n", "CRITERION", "KIND", "WEIGHT", scored ? "ANSWER" : "CHECK");
    for (const auto& c : card.criteria()) {
      std::string answer = c.description();
      if (scored) {
        answer = "-";
        for (const auto& a : r.answers()) {
          if (a.criterion() == c.name()) answer = AnswerName(a.answer()) + (a.note().empty() ? "" : "  " + a.note());
        }
      }
      absl::StrAppendFormat(&out, "  %-24s %-8s %7g  %s\n", c.name(), quality::KindName(c.kind()), c.weight(), answer);
    }
  }
  if (scored) {
    absl::StrAppendFormat(&out, "total:    %.1f by %s at %s%s\n", r.total(), r.reviewer(), Time(r.scored_at()),
                          r.counted() ? "" : " (work from before the agent's re-certification: not counted)");
    if (!r.comment().empty()) absl::StrAppend(&out, "comment:  ", r.comment(), "\n");
  }
  absl::StrAppend(&out, "conversation:\n");
  for (const auto& e : detail.history().events()) {
    const char* who = e.direction() == omnibroker::v1::DIRECTION_INBOUND    ? "customer"
                      : e.direction() == omnibroker::v1::DIRECTION_INTERNAL ? "note"
                                                                            : "agent";
    // One line a message: the customer's own line breaks show as \n.
    absl::StrAppendFormat(&out, "  #%-4d %-9s %-10s %s\n", e.sequence(), who, e.agent_id(),
                          ForTerminal(e.content().text()));
  }
  if (!detail.history().next_page_token().empty()) absl::StrAppend(&out, "  (more: ask with a larger --limit)\n");
  absl::StrAppend(&out, "agent's standing: ", StandingSentence(detail.agent()), "\n");
  return out;
}

std::string StandingLine(const omnibroker::v1::AgentQuality& record) {
  if (record.agent_id().empty()) return "-";
  const std::string name = quality::StandingName(record.standing());
  return record.averaged() > 0 ? absl::StrFormat("%s (%.1f)", name, record.average()) : name;
}

std::string StandingSentence(const omnibroker::v1::AgentQuality& record) {
  if (record.agent_id().empty()) return "no review scored yet";
  return absl::StrCat(quality::StandingName(record.standing()), record.why().empty() ? "" : ": ", record.why(),
                      record.has_since() ? absl::StrCat(" (since ", Time(record.since()), ")") : "");
}

absl::StatusOr<std::vector<omnibroker::v1::CriterionAnswer>> ParseAnswers(const std::vector<std::string>& words) {
  std::vector<omnibroker::v1::CriterionAnswer> out;
  for (const std::string& word : words) {
    const size_t eq = word.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(absl::StrCat("'", word, "': give <criterion>=<yes|partly|no|n/a>"));
    }
    const std::string answer = absl::AsciiStrToLower(word.substr(eq + 1));
    omnibroker::v1::CriterionAnswer& a = out.emplace_back();
    a.set_criterion(word.substr(0, eq));
    if (answer == "yes" || answer == "y") {
      a.set_answer(omnibroker::v1::ANSWER_YES);
    } else if (answer == "partly" || answer == "partial" || answer == "p") {
      a.set_answer(omnibroker::v1::ANSWER_PARTIAL);
    } else if (answer == "no" || answer == "n") {
      a.set_answer(omnibroker::v1::ANSWER_NO);
    } else if (answer == "n/a" || answer == "na") {
      a.set_answer(omnibroker::v1::ANSWER_NOT_APPLICABLE);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("'", word, "': the answer is yes, partly, no or n/a, not '", word.substr(eq + 1), "'"));
    }
  }
  return out;
}

}  // namespace omni::ctl
