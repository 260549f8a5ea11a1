// Scraping an admin HTTP port (base/admin_http.h) the way Prometheus and a probe do: a GET, and
// one sample read from a /metrics page by its exact series.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

namespace omni::testing {

// The answer to GET `path` from `address` ("host:port"): status and body (status 0 when it did
// not answer).
inline std::pair<int, std::string> AdminGet(const std::string& address, const std::string& path) {
  const size_t colon = address.rfind(':');
  httplib::Client http(address.substr(0, colon), std::stoi(address.substr(colon + 1)));
  auto res = http.Get(path.c_str());
  if (!res) return {0, ""};
  return {res->status, res->body};
}

// The value of `series` (name and labels exactly as exported) on a /metrics page; -1 if absent.
inline double MetricSample(const std::string& page, const std::string& series) {
  for (size_t at = 0; at < page.size();) {
    const size_t end = std::min(page.find('\n', at), page.size());
    const std::string_view line(page.data() + at, end - at);
    if (line.starts_with(series + " "))
      return std::stod(std::string(line.substr(series.size() + 1)));
    at = end + 1;
  }
  return -1;
}

}  // namespace omni::testing
