// route.<dialed> settings become the call's RoutingHints; a setting it cannot read names its key.
#include <gtest/gtest.h>

#include "connectors/sip/sip_routes.h"
#include "tests/support/test_support.h"

namespace omni::connectors::sip {
namespace {

ConnectorConfig WithRoute(const std::string& key, const std::string& value) {
  return ConnectorConfig{.type = "sip", .name = "sip", .settings = {{"listen", "127.0.0.1:0"}, {key, value}}};
}

TEST(SipRoutesTest, TheDialedNumbersRouteBecomesTheCallsHints) {
  auto routes = ParseCallRoutes(WithRoute("route.000155917690", "queue=billing skills=de:5,billing:3 priority=2"));
  ASSERT_TRUE(routes.ok()) << routes.status();
  auto invite = ParseSipRequest(testing::ReadFile(testing::CorpusDir() / "sip" / "sip3_invite_x_diversion.txt"));
  ASSERT_TRUE(invite.ok()) << invite.status();
  const auto event = RoutedCallEvent(*invite, *routes, TimePoint{});
  EXPECT_EQ(event.routing().queue(), "billing");
  ASSERT_EQ(event.routing().skills_size(), 2);
  EXPECT_EQ(event.routing().skills(0).skill(), "de");
  EXPECT_EQ(event.routing().skills(0).min_proficiency(), 5);
  EXPECT_EQ(event.routing().priority(), 2);

  invite->dialed = "000199999999";
  EXPECT_FALSE(RoutedCallEvent(*invite, *routes, TimePoint{}).has_routing()) << "no route names it";
}

TEST(SipRoutesTest, AnUnreadableRouteNamesItsKey) {
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.100", "skills=de")).status().message(),
            "sip: route.100: skill 'de' is not <skill>:<1..10>");
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.100", "prio=1")).status().message(),
            "sip: route.100: 'prio=1' is not queue=<name>, skills=<s:n,…> or priority=<0..1000>");
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.", "queue=a")).status().message(),
            "sip: route. needs the dialed number after the dot");
}

}  // namespace
}  // namespace omni::connectors::sip
