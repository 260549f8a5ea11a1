// ConnectorGrant: what one connector identity may do at the ingest endpoint. An out-of-process
// connector (omni-gateway) is known by the CURVE public key it authenticated with; the broker's
// config binds that key to the tenants it may publish for, the providers it may publish for and
// serve (receive their replies), and whether it may vouch for a sender's identity
// (`sender.verified`, which links a customer's channels). Everything else is refused and counted.
//
// The broker's own connectors (inproc://) and a tcp:// endpoint without CURVE (allowed only on
// loopback or with `insecure: true`) have no key; they get LocalGrant(), which allows everything.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace omni::ingest {

inline constexpr std::string_view kAnyName = "*";

struct ConnectorGrant {
  std::string name;                 // for logs and refusals ("gateway-eu")
  std::set<std::string> tenants;    // "*" = every tenant
  std::set<std::string> providers;  // "*" = every provider
  bool may_verify_senders = false;

  bool AllowsTenant(std::string_view tenant) const { return Allows(tenants, tenant); }
  bool AllowsProvider(std::string_view provider) const { return Allows(providers, provider); }

 private:
  static bool Allows(const std::set<std::string>& names, std::string_view name) {
    return names.contains(std::string(kAnyName)) || names.contains(std::string(name));
  }
};

// By Z85 public key.
using ConnectorGrants = std::map<std::string, ConnectorGrant>;

inline const ConnectorGrant& LocalGrant() {
  static const ConnectorGrant grant{.name = "in-process",
                                    .tenants = {std::string(kAnyName)},
                                    .providers = {std::string(kAnyName)},
                                    .may_verify_senders = true};
  return grant;
}

}  // namespace omni::ingest
