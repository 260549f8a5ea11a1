// The Mastodon connector's pure part: what Mastodon hands out about mentions -> omnibroker
// Events, or a clear error naming the field. No I/O; tested on tests/corpus/mastodon.
// Shapes, told apart by structure:
//   a Notification object, or a JSON array of them (GET /api/v1/notifications, what the
//     connector polls): type "mention" -> EVENT_KIND_MESSAGE on CHANNEL_SOCIAL; other types are
//     not customer messages (skipped in a page, rejected alone);
//   a streaming-API WebSocket message {"stream":[..],"event":..,"payload":"<JSON string>"} or an
//     SSE chunk ("event: notification\ndata: {...}", several fan out): "notification" as above,
//     "status.update" -> EVENT_KIND_EDIT, "delete" -> EVENT_KIND_DELETE, "update" (a timeline
//     status, not addressed to the account), filters_changed and the rest -> rejected;
//   an admin webhook payload ({"event":"report.created","object":..}) -> rejected.
// Event ids: "mastodon:<instance host>:<status id>" (an edit adds ":edit:<edited_at>", a deletion
// ":delete"), so a re-poll or a retry is a duplicate. The thread key is
// "<visibility>:<acct>" (acct qualified with the instance host when local), which is all Deliver
// needs: whom to mention and how visible the answer must be (a direct mention stays direct).
// content.html keeps the status HTML; content.text is its plain text (tags stripped, entities
// decoded, the @mentions kept as the customer wrote them); spoiler_text becomes the subject.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::connectors::mastodon {

inline constexpr std::string_view kProvider = "mastodon";

// One poll's worth: the mentions, the newest notification id seen (mentions or not, so the
// cursor moves past what is skipped), why items were skipped (not mentions) and why others could
// not be read (malformed: one bad notification must not stall the poll forever).
struct NotificationPage {
  std::vector<omnibroker::v1::Event> events;
  std::string newest_id;
  std::vector<std::string> skipped;
  std::vector<std::string> malformed;
};

// A JSON array of notifications (the poll response); an error only when the body is not one.
// `instance_host` names the instance the account lives on ("mastodon.social").
absl::StatusOr<NotificationPage> ParseNotificationPage(std::string_view body,
                                                       std::string_view instance_host,
                                                       TimePoint received_at);

// Any of the shapes above.
absl::StatusOr<std::vector<omnibroker::v1::Event>> ParseBody(std::string_view body,
                                                             std::string_view instance_host,
                                                             TimePoint received_at);

// The plain text of a status's HTML: tags stripped, <br> and paragraph ends as newlines,
// character entities decoded.
std::string HtmlToText(std::string_view html);

// "https://mastodon.social/" -> "mastodon.social" (with the port when one is given): the host
// part of event ids.
std::string InstanceHost(std::string_view instance_url);

// True when Mastodon id `a` sorts after `b` (numeric ids compare by length first).
bool NewerId(std::string_view a, std::string_view b);

}  // namespace omni::connectors::mastodon
