// route.<name> settings become the call's RoutingHints, named by the route_header X- header, the
// dialed number or the Diversion's number; a setting it cannot read names its key.
#include <gtest/gtest.h>

#include "connectors/sip/sip_routes.h"
#include "tests/support/test_support.h"

namespace omni::connectors::sip {
namespace {

ConnectorConfig WithRoute(const std::string& key, const std::string& value) {
  return ConnectorConfig{.type = "sip", .name = "sip", .settings = {{"listen", "127.0.0.1:0"}, {key, value}}};
}

SipRequest CorpusInvite() {
  auto invite = ParseSipRequest(testing::ReadFile(testing::CorpusDir() / "sip" / "sip3_invite_x_diversion.txt"));
  EXPECT_TRUE(invite.ok()) << invite.status();
  return invite.ok() ? *invite : SipRequest{};
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

TEST(SipRoutesTest, TheConfiguredXHeaderNamesTheRouteBeforeTheDialedNumber) {
  ConnectorConfig config = WithRoute("route.First", "queue=complaints");
  config.settings["route.000155917690"] = "queue=billing";
  config.settings["route_header"] = "X-Diversion";
  auto routes = ParseCallRoutes(config);
  ASSERT_TRUE(routes.ok()) << routes.status();
  SipRequest invite = CorpusInvite();
  // The corpus INVITE carries "X-Diversion: First" and "X-Diversion: Second ".
  ASSERT_EQ(invite.x_headers.size(), 2u);
  EXPECT_EQ(invite.x_headers[1], std::make_pair(std::string("x-diversion"), std::string("Second")));
  auto event = RoutedCallEvent(invite, *routes, TimePoint{});
  EXPECT_EQ(event.routing().queue(), "complaints");
  EXPECT_EQ(event.provider_metadata().at("sip.route"), "x-diversion First");
  EXPECT_EQ(event.provider_metadata().at("sip.header.x-diversion"), "First, Second");

  // A value no route names: the dialed number's route.
  invite.x_headers = {{"x-diversion", "Third"}};
  event = RoutedCallEvent(invite, *routes, TimePoint{});
  EXPECT_EQ(event.routing().queue(), "billing");
  EXPECT_EQ(event.provider_metadata().at("sip.route"), "dialed 000155917690");

  // Without route_header the header names nothing, whatever the caller puts in it.
  config.settings.erase("route_header");
  invite.x_headers = {{"x-diversion", "First"}};
  EXPECT_EQ(RoutedCallEvent(invite, *ParseCallRoutes(config), TimePoint{}).routing().queue(), "billing");
}

TEST(SipRoutesTest, AForwardedCallFollowsTheNumberItWasFirstMadeTo) {
  auto routes = ParseCallRoutes(WithRoute("route.+493012345", "queue=vip skills=vip:5"));
  ASSERT_TRUE(routes.ok()) << routes.status();
  SipRequest invite = CorpusInvite();
  for (const std::string uri : {"sip:+493012345@pbx.example;user=phone", "tel:+493012345"}) {
    invite.diverted_from = uri;
    const auto event = RoutedCallEvent(invite, *routes, TimePoint{});
    EXPECT_EQ(event.routing().queue(), "vip") << uri;
    EXPECT_EQ(event.provider_metadata().at("sip.route"), "diversion +493012345") << uri;
  }
  invite.diverted_from = "";
  EXPECT_FALSE(RoutedCallEvent(invite, *routes, TimePoint{}).has_routing());
}

TEST(SipRoutesTest, AnUnreadableRouteNamesItsKey) {
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.100", "skills=de")).status().message(),
            "sip: route.100: skill 'de' is not <skill>:<1..10>");
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.100", "prio=1")).status().message(),
            "sip: route.100: 'prio=1' is not queue=<name>, skills=<s:n,…> or priority=<0..1000>");
  EXPECT_EQ(ParseCallRoutes(WithRoute("route.", "queue=a")).status().message(),
            "sip: route. needs the route's name after the dot");
  EXPECT_EQ(ParseCallRoutes(WithRoute("route_header", "Diversion")).status().message(),
            "sip: route_header: 'Diversion' is not an X- header");
}

}  // namespace
}  // namespace omni::connectors::sip
