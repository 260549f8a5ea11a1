// route.<mailbox> settings -> routing hints: the compact encoding, its errors, and which
// recipient picks the route.
#include "connectors/email/mail_routes.h"

#include <gtest/gtest.h>

namespace omni::connectors::email {
namespace {

ConnectorConfig Config(std::map<std::string, std::string> settings) {
  return ConnectorConfig{.type = "email", .name = "mail", .settings = std::move(settings)};
}

TEST(MailRoutesTest, ParsesQueueSkillsAndPriority) {
  auto routes = RoutesFromConfig(
      Config({{"listen", "127.0.0.1:0"},
              {"route.Complaints@Example.com", "queue=complaints; skills=complaints:5,legal; priority=1"},
              {"route.support@example.com", "queue=support"}}));
  ASSERT_TRUE(routes.ok()) << routes.status();
  ASSERT_EQ(routes->size(), 2u);
  const auto& complaints = routes->at("complaints@example.com");
  EXPECT_EQ(complaints.queue(), "complaints");
  ASSERT_EQ(complaints.skills_size(), 2);
  EXPECT_EQ(complaints.skills(0).skill(), "complaints");
  EXPECT_EQ(complaints.skills(0).min_proficiency(), 5);
  EXPECT_EQ(complaints.skills(1).skill(), "legal");
  EXPECT_EQ(complaints.skills(1).min_proficiency(), 1);
  EXPECT_EQ(complaints.priority(), 1);
  EXPECT_EQ(routes->at("support@example.com").queue(), "support");
}

TEST(MailRoutesTest, ErrorsNameTheSettingAndPart) {
  struct Case {
    std::string value, says;
  } cases[] = {{"queue=a;color=red", "'color' is not queue, skills or priority"},
               {"priority=high", "priority 'high' is not a number"},
               {"skills=:3", "skill ':3' is not name[:level]"},
               {"skills=legal:x", "skill 'legal:x' is not name[:level]"}};
  for (const Case& c : cases) {
    auto routes = RoutesFromConfig(Config({{"route.a@example.com", c.value}}));
    ASSERT_FALSE(routes.ok()) << c.value;
    EXPECT_NE(routes.status().message().find("setting 'route.a@example.com'"), std::string::npos);
    EXPECT_NE(routes.status().message().find(c.says), std::string::npos) << routes.status();
  }
}

TEST(MailRoutesTest, FirstRoutedRecipientDecides) {
  auto routes = RoutesFromConfig(Config({{"route.complaints@example.com", "queue=complaints"},
                                         {"route.support@example.com", "queue=support"}}));
  ASSERT_TRUE(routes.ok());
  omnibroker::v1::Event event;
  ApplyRoute(*routes, {"nobody@example.com", "SUPPORT@example.com", "complaints@example.com"},
             event);
  EXPECT_EQ(event.routing().queue(), "support");
  omnibroker::v1::Event unrouted;
  ApplyRoute(*routes, {"nobody@example.com"}, unrouted);
  EXPECT_FALSE(unrouted.has_routing());
}

}  // namespace
}  // namespace omni::connectors::email
