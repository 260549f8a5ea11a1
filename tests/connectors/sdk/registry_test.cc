#include "connectors/sdk/registry.h"

#include <gtest/gtest.h>

#include "connectors/webchat/visitor_token.h"

namespace omni::connectors {
namespace {

class NamedFactory : public ConnectorFactory {
 public:
  explicit NamedFactory(std::string name) : name_(std::move(name)) {}
  std::string_view Name() const override { return name_; }
  absl::StatusOr<std::unique_ptr<Connector>> Create(const ConnectorConfig&) const override {
    return absl::UnimplementedError("not needed here");
  }
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Normalize(const ConnectorConfig&,
                                                               const InboundRequest&,
                                                               TimePoint) const override {
    return absl::UnimplementedError("not needed here");
  }

 private:
  std::string name_;
};

TEST(RegistryTest, BuiltinListComesFromTheChannelFolders) {
  auto registry = BuiltinConnectors();
  ASSERT_TRUE(registry.ok()) << registry.status();
  EXPECT_NE(registry->Find("webchat"), nullptr);
}

TEST(RegistryTest, DuplicateNameFails) {
  ConnectorRegistry registry;
  ASSERT_TRUE(registry.Register(std::make_unique<NamedFactory>("x")).ok());
  const absl::Status s = registry.Register(std::make_unique<NamedFactory>("x"));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
}

TEST(RegistryTest, UnknownTypeNamesTheBuiltIns) {
  auto registry = BuiltinConnectors();
  ASSERT_TRUE(registry.ok());
  auto c = registry->Create(ConnectorConfig{.type = "fax", .name = "fax"});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("webchat"), absl::string_view::npos);
}

TEST(RegistryTest, WebChatFactoryValidatesSettings) {
  auto registry = BuiltinConnectors();
  ASSERT_TRUE(registry.ok());
  auto no_secret = registry->Create(
      ConnectorConfig{.type = "webchat", .name = "w", .settings = {{"listen", "127.0.0.1:0"}}});
  EXPECT_EQ(no_secret.status().code(), absl::StatusCode::kInvalidArgument);
  auto bad_listen = registry->Create(
      ConnectorConfig{.type = "webchat",
                      .name = "w",
                      .settings = {{"listen", "nowhere"}, {"token_secret", "0123456789abcdef0"}}});
  EXPECT_EQ(bad_listen.status().code(), absl::StatusCode::kInvalidArgument);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"max_listeners", "64"},  // as many as http_threads: none left for messages
           {"visitor_idle_days", "0"},
           {"max_visitors", "0"},
           {"register_per_minute", "-1"}}) {
    auto refused = registry->Create(ConnectorConfig{
        .type = "webchat",
        .name = "w",
        .settings = {
            {"listen", "127.0.0.1:0"}, {"token_secret", "0123456789abcdef0"}, {key, value}}});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument) << key;
  }
}

TEST(RegistryTest, WebChatNormalizeChecksTheVisitorTokenThenParses) {
  auto registry = BuiltinConnectors();
  ASSERT_TRUE(registry.ok());
  const ConnectorFactory* factory = registry->Find("webchat");
  ASSERT_NE(factory, nullptr);
  const ConnectorConfig config{
      .type = "webchat", .name = "w", .settings = {{"token_secret", "0123456789abcdef0"}}};
  auto tokens = webchat::VisitorTokens::Create("0123456789abcdef0", std::chrono::hours(24));
  ASSERT_TRUE(tokens.ok());
  InboundRequest request{
      .method = "POST",
      .path = "/v1/messages",
      .headers = {{"authorization", "Bearer " + tokens->Issue("v-12", TimePoint{})}},
      .body = R"({"text": "hello", "client_message_id": "m-1"})"};
  auto events = factory->Normalize(config, request, TimePoint{});
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].sender().handle(), "v-12");
  EXPECT_EQ((*events)[0].content().text(), "hello");

  // Checked against the time given: a captured token replayed after its day is refused.
  EXPECT_EQ(
      factory->Normalize(config, request, TimePoint{} + std::chrono::hours(24)).status().code(),
      absl::StatusCode::kUnauthenticated);
  request.headers = {{"Authorization", "Bearer v-1.00"}};
  EXPECT_EQ(factory->Normalize(config, request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated);
  request.headers = {};
  EXPECT_EQ(factory->Normalize(config, request, TimePoint{}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace omni::connectors
