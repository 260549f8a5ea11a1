// PeerAddress: gRPC's peer strings as the address failed authentications are counted by,
// including what does not parse.
#include "broker/auth/peer_address.h"

#include <gtest/gtest.h>

namespace omni::auth {
namespace {

struct Case {
  const char* peer;
  const char* address;
};

TEST(PeerAddressTest, TheAddressWithoutItsPort) {
  const Case cases[] = {
      {"ipv4:127.0.0.1:51234", "ipv4:127.0.0.1"},
      {"ipv4:10.1.2.3:1", "ipv4:10.1.2.3"},
      // IPv6 as its /64, in both spellings gRPC has used.
      {"ipv6:[2001:db8:1:2:3:4:5:6]:51234", "ipv6:[2001:db8:1:2::]/64"},
      {"ipv6:%5B2001:db8:1:2:aaaa::9%5D:443", "ipv6:[2001:db8:1:2::]/64"},
      {"ipv6:[::1]:50051", "ipv6:[::]/64"},
      {"ipv6:%5Bfe80::1%25eth0%5D:7", "ipv6:[fe80::]/64"},
      // IPv4 in IPv6 form is the IPv4 address.
      {"ipv6:[::ffff:192.0.2.7]:80", "ipv4:192.0.2.7"},
      {"ipv6:%5B::ffff:192.0.2.7%5D:80", "ipv4:192.0.2.7"},
  };
  for (const auto& c : cases) EXPECT_EQ(PeerAddress(c.peer), c.address) << c.peer;
}

TEST(PeerAddressTest, AnythingElseIsItsOwnAddress) {
  const char* as_given[] = {
      "unix:/run/omni.sock",
      "unix:",
      "",
      "garbage",
      "ipv4:",
      "ipv4:127.0.0.1",      // no port
      "ipv4:127.0.0.1:",     // empty port
      "ipv4:127.0.0.1:80a",  // port not digits
      "ipv4:300.1.2.3:80",   // not an address
      "ipv4::80",            // no host
      "ipv6:::1:80",         // not bracketed
      "ipv6:[::1:80",        // unbalanced
      "ipv6:[zz::1]:80",     // not an address
      "ipv6:%5B::1:80",      // unbalanced, escaped
  };
  for (const char* peer : as_given) EXPECT_EQ(PeerAddress(peer), peer) << peer;
}

}  // namespace
}  // namespace omni::auth
