// What the web chat may write in a log about a request's URL: the path; of the query, the fields
// after, wait and from whole when their values have the expected shape; the names only of token,
// ticket and those otherwise; nothing of any other field (its name may itself be a pasted secret).
// Tokens no longer go in URLs, but a stream ticket does, and an old widget or a hand-written
// client may still send ?token=; neither ever reaches a log line.
#pragma once

#include <string>
#include <string_view>

namespace omni::connectors::webchat {

// "/v1/stream?ticket=ab12&after=3&x=y" -> "/v1/stream?ticket=REDACTED&after=3&REDACTED".
std::string RedactedTarget(std::string_view target);

}  // namespace omni::connectors::webchat
