// ListedKind: a kind looked up in a channel's one list, the label coming from the list.
#include "connectors/sdk/not_customer_traffic.h"

#include <gtest/gtest.h>

#include <string>

namespace omni::connectors {
namespace {

constexpr std::string_view kListed[] = {"optin", "policy-enforcement", "security"};

TEST(NotCustomerTrafficTest, ListedKindIsTheListsOwnSpelling) {
  const std::string from_request = "optin";  // gone once the request is
  const auto kind = ListedKind(kListed, from_request);
  ASSERT_TRUE(kind.has_value());
  EXPECT_EQ(*kind, "optin");
  EXPECT_EQ(kind->data(), kListed[0].data());
  EXPECT_EQ(ListedKind(kListed, "security"), "security");
  EXPECT_EQ(ListedKind(kListed, "message"), std::nullopt);
  EXPECT_EQ(ListedKind(kListed, "Optin"), std::nullopt);
  EXPECT_EQ(ListedKind(kListed, ""), std::nullopt);
  EXPECT_EQ(ListedKind({}, "optin"), std::nullopt);
}

}  // namespace
}  // namespace omni::connectors
