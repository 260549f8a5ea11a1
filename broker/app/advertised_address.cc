#include "broker/app/advertised_address.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"

namespace omni::app {

std::string AdvertisedAddress(std::string_view listen, std::string_view host_name) {
  std::string_view scheme;
  if (absl::StartsWith(ToAbsl(listen), "tcp://")) {
    scheme = "tcp://";
    listen.remove_prefix(scheme.size());
  } else if (listen.empty() || listen.find("://") != std::string_view::npos) {
    return "";
  }
  const size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return absl::StrCat(ToAbsl(scheme), ToAbsl(listen));
  const std::string_view host = listen.substr(0, colon);
  if (host == "0.0.0.0" || host == "*" || host == "::" || host == "[::]" || host.empty()) {
    return absl::StrCat(ToAbsl(scheme), ToAbsl(host_name), ToAbsl(listen.substr(colon)));
  }
  return absl::StrCat(ToAbsl(scheme), ToAbsl(listen));
}

}  // namespace omni::app
