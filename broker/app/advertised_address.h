// Where others reach a broker that listens on `listen`: what a cluster's partition leases carry,
// so that a broker that does not lead a tenant can send its connectors and consoles to the one
// that does (docs/cluster.md).
#pragma once

#include <string>
#include <string_view>

namespace omni::app {

// `listen` with a wildcard host (0.0.0.0, *, ::, [::]) replaced by `host_name`; other addresses
// as they are. An inproc:// or ipc:// address (or none) reaches nobody else: empty.
std::string AdvertisedAddress(std::string_view listen, std::string_view host_name);

}  // namespace omni::app
