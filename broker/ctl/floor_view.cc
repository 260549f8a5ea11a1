#include "broker/ctl/floor_view.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "broker/quality/standing.h"

namespace omni::ctl {
namespace {

std::string Percent(bool has, double value) { return has ? absl::StrFormat("%.1f%%", value) : "-"; }
std::string Seconds(bool has, double value) { return has ? absl::StrFormat("%.0fs", value) : "-"; }

std::string QueueRow(const std::string& name, const omnibroker::v1::QueueStats& q) {
  return absl::StrFormat(
      "%-16s %4d %7.0fs %7d %8d %9d %7s %6s %6s %7s %6d %4d\n", name.substr(0, 16), q.waiting(),
      q.longest_wait_seconds(), q.offered(), q.answered(), q.abandoned(),
      Percent(q.has_service_level_percent(), q.service_level_percent()),
      Seconds(q.has_average_speed_of_answer_seconds(), q.average_speed_of_answer_seconds()),
      Seconds(q.has_average_handle_time_seconds(), q.average_handle_time_seconds()),
      Percent(q.has_abandonment_percent(), q.abandonment_percent()), q.sla_breaches(), q.escalations());
}

}  // namespace

std::string RenderFloor(const omnibroker::v1::FloorStats& stats) {
  const absl::Time taken = absl::FromUnixSeconds(stats.taken_at().seconds());
  std::string out = absl::StrCat("floor at ", absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", taken, absl::UTCTimeZone()),
                                 ", counts over the last ", stats.window_minutes(), " min\n\n");
  absl::StrAppendFormat(&out, "%-16s %4s %8s %7s %8s %9s %7s %6s %6s %7s %6s %4s\n", "QUEUE", "WAIT", "LONGEST",
                        "OFFERED", "ANSWERED", "ABANDONED", "SL", "ASA", "AHT", "ABAND", "BREACH", "ESC");
  for (const auto& q : stats.queues()) absl::StrAppend(&out, QueueRow(q.queue(), q));
  absl::StrAppend(&out, QueueRow("(all)", stats.total()));
  absl::StrAppendFormat(&out, "\n%-16s %-18s %-9s %8s %6s %7s  %s\n", "AGENT", "PRESENCE", "CONNECTED", "LOAD/CAP",
                        "OCC", "HANDLED", "QUALITY");
  std::string why;  // of those whose standing asks for a supervisor
  for (const auto& a : stats.agents()) {
    std::string presence = omnibroker::v1::Presence_Name(a.presence());
    if (presence.starts_with("PRESENCE_")) presence = presence.substr(9);
    absl::StrAppendFormat(&out, "%-16s %-18s %-9s %4d/%-3d %6s %7d  %s\n", a.agent_id().substr(0, 16), presence,
                          a.connected() ? "yes" : "no", a.load(), a.capacity(),
                          Percent(a.has_occupancy_percent(), a.occupancy_percent()), a.handled(),
                          quality::StandingName(a.quality()));
    if (a.quality() == omnibroker::v1::QUALITY_OFF_ROUTING || a.quality() == omnibroker::v1::QUALITY_TRAINING) {
      absl::StrAppend(&why, "  ", a.agent_id(), ": ", quality::StandingName(a.quality()), ", ", a.quality_why(), "\n");
    }
  }
  if (!why.empty()) absl::StrAppend(&out, "\nquality:\n", why);
  return out;
}

}  // namespace omni::ctl
