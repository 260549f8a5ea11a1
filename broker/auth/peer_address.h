// The address failed authentications are counted by, from gRPC's peer string
// (ServerContext::peer(): "ipv4:10.1.2.3:51234", "ipv6:[2001:db8::7]:51234", which newer gRPC
// spells "ipv6:%5B2001:db8::7%5D:51234", or "unix:/run/omni.sock").
#pragma once

#include <string>
#include <string_view>

namespace omni::auth {

// The port dropped: "ipv4:10.1.2.3". An IPv6 address stands for its /64 network
// ("ipv6:[2001:db8::]/64"), since one host commonly holds a whole /64 to pick addresses from; an
// IPv4 address in IPv6 form (::ffff:10.1.2.3) is the IPv4 address. Any other peer (a unix socket)
// and a string that is not "ipv4:" or "ipv6:" with an address and a port is its own address, as
// given.
std::string PeerAddress(std::string_view peer);

}  // namespace omni::auth
