// Tenant names: the one rule, and an error that names the field and shows the name safely.
#include "base/tenant_name.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"

namespace omni {
namespace {

TEST(TenantNameTest, AcceptsNamesOfTheRule) {
  for (const std::string& name : std::vector<std::string>{
           "default", "acme", "a", "0", "globex-eu", "tenant_2", std::string(64, 'x'), "9lives"}) {
    EXPECT_TRUE(IsTenantName(name)) << name;
    EXPECT_TRUE(ValidateTenantName(name, "tenant").ok()) << name;
  }
}

struct Malformed {
  std::string name;
  std::string tenant;
};

class MalformedTenantNameTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTenantNameTest, IsRefusedNamingTheFieldAndTheRule) {
  EXPECT_FALSE(IsTenantName(GetParam().tenant));
  const absl::Status status = ValidateTenantName(GetParam().tenant, "tenants[2].name");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(status.message(), "tenants[2].name: '")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "1 to 64 of a-z, 0-9, '_', '-'")) << status;
}

INSTANTIATE_TEST_SUITE_P(
    Names, MalformedTenantNameTest,
    ::testing::Values(Malformed{"Empty", ""}, Malformed{"TooLong", std::string(65, 'x')},
                      Malformed{"UpperCase", "Acme"}, Malformed{"Slash", "acme/eu"},
                      Malformed{"Nul", std::string("acme\0x", 6)}, Malformed{"Utf8", "acmé"},
                      Malformed{"Space", "acme eu"}, Malformed{"Dot", "acme.eu"},
                      Malformed{"LeadingDash", "-acme"}, Malformed{"LeadingUnderscore", "_acme"},
                      Malformed{"Wildcard", "*"}, Malformed{"Newline", "acme\n"}),
    [](const auto& info) { return info.param.name; });

TEST(TenantNameTest, TheErrorShowsControlBytesEscapedAndALongNameCut) {
  const absl::Status nul = ValidateTenantName(std::string("a\0\n", 3), "x-omni-tenant");
  EXPECT_TRUE(absl::StrContains(nul.message(), R"('a\x00\n')")) << nul;
  const absl::Status long_name = ValidateTenantName(std::string(1000, 'y'), "tenant");
  EXPECT_TRUE(absl::StrContains(long_name.message(), "(1000 characters)")) << long_name;
  EXPECT_LT(long_name.message().size(), 200u) << long_name;
}

}  // namespace
}  // namespace omni
