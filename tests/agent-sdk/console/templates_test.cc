// Template files: the embedded set, a file's entries, malformed files rejected naming the field,
// the picker's filter (Cyrillic too) and placeholders.
#include "templates.h"

#include <gtest/gtest.h>

#include <clocale>
#include <fstream>
#include <set>

#include "tests/support/test_support.h"

namespace omni::console {
namespace {

class TemplatesTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(std::setlocale(LC_ALL, "C.UTF-8"), nullptr); }
};

TEST_F(TemplatesTest, TheEmbeddedSetCoversEverySituation) {
  const TemplateSet set = DefaultTemplates();
  std::set<std::string> situations;
  for (const auto& t : set.templates) situations.insert(t.situation);
  EXPECT_EQ(situations, (std::set<std::string>{"greeting", "claim", "conflict", "closing"}));
  EXPECT_EQ(set.dispositions.front(), "resolved");
}

TEST_F(TemplatesTest, LoadsAFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "templates.yaml";
  std::ofstream(path) << "templates:\n"
                         "  - situation: greeting\n"
                         "    title: Привет\n"
                         "    text: |\n"
                         "      Здравствуйте, {customer_name}!\n"
                         "      Чем могу помочь?\n"
                         "dispositions: [решено, refund]\n";
  auto set = LoadTemplates(path.string());
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->templates.size(), 1u);
  EXPECT_EQ(set->templates[0].title, "Привет");
  EXPECT_EQ(set->templates[0].text, "Здравствуйте, {customer_name}!\nЧем могу помочь?\n");
  EXPECT_EQ(set->dispositions, (std::vector<std::string>{"решено", "refund"}));
  EXPECT_EQ(LoadTemplates((dir.path() / "missing.yaml").string()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(TemplatesTest, MalformedFilesNameTheField) {
  const struct {
    std::string yaml;
    std::string error;
  } cases[] = {
      {"templates: [", "f.yaml line 1: not YAML"},
      {"- a\n- b", "f.yaml line 1: expected a map"},
      {"dispositions: [x]", "templates: expected a non-empty list"},
      {"templates: []\ndispositions: [x]", "templates: expected a non-empty list"},
      {"templates: [hello]\ndispositions: [x]", "templates[0]: expected a map"},
      {"templates:\n  - {situation: greeting, text: hi}\ndispositions: [x]",
       "templates[0].title: required text"},
      {"templates:\n  - {situation: greeting, title: t, text: ''}\ndispositions: [x]",
       "line 2: templates[0].text: required text"},
      {"templates:\n  - {situation: [a], title: t, text: x}\ndispositions: [x]",
       "templates[0].situation"},
      {"templates:\n  - {situation: a, title: t, text: x}\n",
       "dispositions: expected a non-empty list"},
      {"templates:\n  - {situation: a, title: t, text: x}\ndispositions: [ok, [x]]",
       "dispositions[1]: expected a code"},
  };
  for (const auto& c : cases) {
    auto set = ParseTemplates(c.yaml, "f.yaml");
    ASSERT_FALSE(set.ok()) << c.yaml;
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_NE(std::string(set.status().message()).find(c.error), std::string::npos)
        << c.yaml << " gave " << set.status();
  }
}

TEST_F(TemplatesTest, TheFilterMatchesEveryWordInAnyCase) {
  const std::vector<std::string> items = {
      "[greeting] Hello: Hello {customer_name}", "[claim] Late delivery: sorry your order is late",
      "[conflict] De-escalate: I understand", "[greeting] Привет: Здравствуйте"};
  EXPECT_EQ(FilterItems(items, ""), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(FilterItems(items, "GREETING"), (std::vector<size_t>{0, 3}));
  EXPECT_EQ(FilterItems(items, "claim late"), (std::vector<size_t>{1}));
  EXPECT_EQ(FilterItems(items, "claim hello"), (std::vector<size_t>{}));
  EXPECT_EQ(FilterItems(items, "здравствуйте"), (std::vector<size_t>{3}));
}

TEST_F(TemplatesTest, FillsKnownPlaceholdersAndKeepsTheRest) {
  const std::map<std::string, std::string> values = {{"customer_name", "Ольга"},
                                                     {"agent_name", "Alice"}};
  EXPECT_EQ(FillPlaceholders("Hello {customer_name}, this is {agent_name}.", values),
            "Hello Ольга, this is Alice.");
  EXPECT_EQ(FillPlaceholders("Order {order_id} for {customer_name}", values),
            "Order {order_id} for Ольга");
  EXPECT_EQ(FillPlaceholders("a { b", values), "a { b");
  EXPECT_EQ(FillPlaceholders("", values), "");
}

}  // namespace
}  // namespace omni::console
