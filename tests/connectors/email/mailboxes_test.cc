// Which recipients the listener takes and which senders replies may have: whole addresses and
// whole domains from `mailboxes` and the routes, the errors of a malformed entry, and that a
// connector without any mailbox is refused.
#include "connectors/email/mailboxes.h"

#include <gtest/gtest.h>

namespace omni::connectors::email {
namespace {

ConnectorConfig Config(std::map<std::string, std::string> settings) {
  return ConnectorConfig{.type = "email", .name = "mail", .settings = std::move(settings)};
}

TEST(MailboxesTest, AddressesAndWholeDomains) {
  auto mailboxes = Mailboxes::Parse("Support@Example.com, help.example.org\tsales@example.net");
  ASSERT_TRUE(mailboxes.ok()) << mailboxes.status();
  struct Case {
    const char* address;
    bool taken;
  } cases[] = {{"support@example.com", true},       {"SUPPORT@EXAMPLE.COM", true},
               {"anyone@help.example.org", true},   {"sales@example.net", true},
               {"sales@example.com", false},        {"anyone@sub.help.example.org", false},
               {"support@example.com.evil", false}, {"help.example.org", false},
               {"x@HELP.example.org", true},        {"", false}};
  for (const Case& c : cases) EXPECT_EQ(mailboxes->Contains(c.address), c.taken) << c.address;
}

TEST(MailboxesTest, MalformedEntriesAreNamed) {
  struct Case {
    const char* list;
    const char* says;
  } cases[] = {
      {"@example.com", "'@example.com': a whole domain is written without @ ('example.com')"},
      {"support@", "'support@' is not local@domain"},
      {"a@b@example.com", "'a@b@example.com' is not local@domain"}};
  for (const Case& c : cases) {
    auto mailboxes = Mailboxes::Parse(c.list);
    ASSERT_FALSE(mailboxes.ok()) << c.list;
    EXPECT_NE(mailboxes.status().message().find(c.says), std::string::npos) << mailboxes.status();
  }
}

TEST(MailboxesTest, ConfigTakesTheSettingAndTheRoutes) {
  MailRoutes routes;
  routes["complaints@example.com"].set_queue("complaints");
  auto mailboxes = Mailboxes::FromConfig(Config({{"mailboxes", "help.example.org"}}), routes);
  ASSERT_TRUE(mailboxes.ok()) << mailboxes.status();
  EXPECT_TRUE(mailboxes->Contains("complaints@example.com"));
  EXPECT_TRUE(mailboxes->Contains("a@help.example.org"));
  EXPECT_FALSE(mailboxes->Contains("support@example.com"));

  auto malformed = Mailboxes::FromConfig(Config({{"mailboxes", "@example.com"}}), {});
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("connector 'mail' setting 'mailboxes': "),
            std::string::npos)
      << malformed.status();

  auto none = Mailboxes::FromConfig(Config({{"listen", "127.0.0.1:0"}}), {});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("connector 'mail': no mailboxes: set mailboxes"),
            std::string::npos)
      << none.status();
}

}  // namespace
}  // namespace omni::connectors::email
