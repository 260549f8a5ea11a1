#include "broker/auth/peer_address.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/strings.h"

namespace omni::auth {
namespace {

// "host:port" → host, for a port of digits only; empty when not so.
std::string_view HostOf(std::string_view host_port) {
  const size_t colon = host_port.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == host_port.size()) return {};
  for (char c : host_port.substr(colon + 1)) {
    if (c < '0' || c > '9') return {};
  }
  return host_port.substr(0, colon);
}

std::string IPv4(std::string_view host) {
  in_addr address{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &address) != 1) return "";
  std::array<char, INET_ADDRSTRLEN> text{};
  inet_ntop(AF_INET, &address, text.data(), text.size());
  return absl::StrCat("ipv4:", text.data());
}

std::string IPv6Network(std::string_view bracketed) {
  if (bracketed.size() < 2 || bracketed.front() != '[' || bracketed.back() != ']') return "";
  std::string host(bracketed.substr(1, bracketed.size() - 2));
  if (const size_t zone = host.find('%'); zone != std::string::npos) host.resize(zone);
  in6_addr address{};
  if (inet_pton(AF_INET6, host.c_str(), &address) != 1) return "";
  if (IN6_IS_ADDR_V4MAPPED(&address)) {
    std::array<char, INET_ADDRSTRLEN> text{};
    inet_ntop(AF_INET, &address.s6_addr[12], text.data(), text.size());
    return absl::StrCat("ipv4:", text.data());
  }
  std::memset(&address.s6_addr[8], 0, 8);
  std::array<char, INET6_ADDRSTRLEN> text{};
  inet_ntop(AF_INET6, &address, text.data(), text.size());
  return absl::StrCat("ipv6:[", text.data(), "]/64");
}

}  // namespace

std::string PeerAddress(std::string_view peer) {
  std::string address;
  if (peer.starts_with("ipv4:")) {
    address = IPv4(HostOf(peer.substr(5)));
  } else if (peer.starts_with("ipv6:")) {
    const std::string unescaped =
        absl::StrReplaceAll(ToAbsl(peer.substr(5)), {{"%5B", "["}, {"%5D", "]"}, {"%25", "%"}});
    address = IPv6Network(HostOf(unescaped));
  }
  return address.empty() ? std::string(peer) : address;
}

}  // namespace omni::auth
