// The config file: the shipped example loads, every section applies, flags override it, and each
// kind of mistake is refused with an error that names where it is.
#include "broker/app/config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace omni::app {
namespace {

using namespace std::chrono_literals;

TEST(ConfigFileTest, TheShippedExampleLoads) {
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyConfigFile(std::string(OMNI_SOURCE_DIR) + "/deploy/omnibroker.yaml", config).ok());
  EXPECT_EQ(config.agents.size(), 4u);
  EXPECT_TRUE(config.agents[2].handles_difficult());
  EXPECT_EQ(config.routing.ForTier(omnibroker::v1::TIER_VIP).first_response, 120s);
  EXPECT_EQ(config.routing.PoolOf(omnibroker::v1::CHANNEL_MESSENGER), omnibroker::v1::CHANNEL_CHAT);
  ASSERT_NE(config.routing.quality.ScorecardFor("billing"), nullptr);
  EXPECT_EQ(config.routing.quality.ScorecardFor("billing")->criteria_size(), 3);
  ASSERT_EQ(config.connectors.size(), 1u);
  EXPECT_EQ(config.connectors[0].Get("token_secret_path"), "${data_dir}/webchat.secret");
}

TEST(ConfigFileTest, CalendarsAndQueueHoursAreReadFromTheRoutingSection) {
  BrokerConfig config = DefaultConfig();
  auto s = ApplyConfigText(R"(
routing:
  tiers: [{tier: TIER_STANDARD, business_time: true}]
  calendars:
    - name: office
      time_zone: Europe/Berlin
      weekly:
        - {days: [mon, tue, wed, thu, fri], hours: ["09:00-12:30", "13:30-18:00"]}
      holidays: ["2025-12-25"]
      special_days: [{date: "2025-12-24", hours: ["09:00-12:00"]}]
  queue_hours:
    - queue: billing
      calendar: office
      after_hours:
        - {action: AFTER_HOURS_AUTO_REPLY, messages: {en: "We open at 9:00.", de: "Wir öffnen um 9:00."}}
)",
                           config);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_TRUE(config.routing.ForTier(omnibroker::v1::TIER_STANDARD).business_time);
  const routing::Calendar& office = config.routing.CalendarOf("billing");
  EXPECT_EQ(office.Label(), "office (Europe/Berlin)");
  EXPECT_EQ(office.spec().weekly[4].size(), 2u) << "Friday";
  EXPECT_EQ(config.routing.queue_hours.at("billing").RuleFor(omnibroker::v1::CHANNEL_CHAT).MessageFor("de", "en"),
            "Wir öffnen um 9:00.");
}

TEST(ConfigFileTest, ScorecardsSamplingAndThresholdsAreReadFromTheRoutingSection) {
  BrokerConfig config = DefaultConfig();
  auto s = ApplyConfigText(R"(
routing:
  quality:
    scorecards:
      - name: support
        criteria:
          - {name: greeting, weight: 10}
          - {name: solution, weight: 40, kind: CRITERION_THREE_LEVEL, description: "solved, or said when"}
      - {name: billing, queues: [billing], criteria: [{name: amount, weight: 1}]}
    sampling: {share: 0.1, long_handle: 2700s, dispositions: [complaint]}
    thresholds: {last_reviews: 10, off_routing_below: 50}
)",
                           config);
  ASSERT_TRUE(s.ok()) << s;
  const quality::QualityPolicy& q = config.routing.quality;
  ASSERT_EQ(q.scorecards.size(), 2u);
  EXPECT_EQ(q.ScorecardFor("sales")->name(), "support");
  EXPECT_EQ(q.ScorecardFor("billing")->name(), "billing");
  EXPECT_EQ(q.scorecards.at("support").criteria(1).kind(), omnibroker::v1::CRITERION_THREE_LEVEL);
  EXPECT_EQ(q.sampling.share, 0.1);
  EXPECT_EQ(q.sampling.long_handle, 45min);
  EXPECT_EQ(q.sampling.short_handle, 30s) << "the default, where not given";
  EXPECT_EQ(q.sampling.dispositions, std::vector<std::string>{"complaint"});
  EXPECT_EQ(q.thresholds.last_reviews, 10);
  EXPECT_EQ(q.thresholds.off_routing_below, 50);
  EXPECT_EQ(q.thresholds.training_below, 76) << "the default, where not given";
}

TEST(ConfigFileTest, SectionsApplyOverTheDefaults) {
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyConfigText(R"(
grpc_listen: 0.0.0.0:6000
routing:
  offer_timeout: 45s
  risk_fraction: 0.5
  tiers: [{tier: TIER_GOLD, weight: 450}]
agents:
  - {id: "007", languages: [en], skills: [{name: support, proficiency: 9}], voice_contact: "sip:007@127.0.0.1:5070"}
retention: [{tenant: acme, events_days: 365}]
escalation_roles: {acme: acme-leads}
join_open_conversation_across_channels: true
floor_stats: {window_minutes: 15, short_abandon_seconds: 10, answer_target_seconds: {billing: 60}}
)", config).ok());
  EXPECT_EQ(config.floor_stats.window_minutes, 15);
  EXPECT_EQ(config.floor_stats.short_abandon, 10s);
  EXPECT_EQ(config.floor_stats.answer_targets.at("billing"), 60s);
  EXPECT_EQ(config.floor_stats.answer_targets.at("*"), 20s) << "the default target stays for the others";
  EXPECT_EQ(config.escalation_roles.at("acme"), "acme-leads");
  EXPECT_EQ(config.escalation_roles.at("*"), "supervisor") << "the default stays for the others";
  EXPECT_EQ(config.retention.at("acme").events_days, 365);
  EXPECT_EQ(config.retention.at("acme").sensitive_attachment_days, 30) << "the default's, where not given";
  EXPECT_TRUE(config.join_open_conversation_across_channels);
  EXPECT_EQ(config.grpc_listen, "0.0.0.0:6000");
  EXPECT_EQ(config.routing.offer_timeout, 45s);
  EXPECT_EQ(config.routing.risk_fraction, 0.5);
  EXPECT_EQ(config.routing.ForTier(omnibroker::v1::TIER_GOLD).weight, 450);
  EXPECT_EQ(config.routing.ForTier(omnibroker::v1::TIER_GOLD).first_response, 5min) << "fields not given keep the default";
  ASSERT_EQ(config.agents.size(), 1u);
  EXPECT_EQ(config.agents[0].id(), "007") << "a quoted scalar stays text";
  EXPECT_EQ(config.agents[0].voice_contact(), "sip:007@127.0.0.1:5070");
  EXPECT_EQ(config.connectors.size(), 1u) << "no connectors section: the default web chat stays";
}

TEST(ConfigFileTest, TenantsBeyondTheDefaultOneHaveTheirOwnPolicyAndRoster) {
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyConfigText(R"(
routing: {offer_timeout: 45s}
tenants:
  - name: globex
    routing: {risk_fraction: 0.5, tiers: [{tier: TIER_GOLD, weight: 450}]}
    agents:
      - {id: alice, languages: [en], skills: [{name: support, proficiency: 9}]}
      - {id: "007", languages: [fr]}
  - {name: initech-eu}
tenant: acme
)", config).ok());
  EXPECT_EQ(config.tenant, "acme");
  EXPECT_EQ(config.agents.size(), 4u) << "the default tenant keeps the demo roster";
  EXPECT_EQ(config.routing.offer_timeout, 45s);
  ASSERT_EQ(config.tenants.size(), 2u);
  const TenantConfig& globex = config.tenants[0];
  EXPECT_EQ(globex.name, "globex");
  EXPECT_EQ(globex.routing.risk_fraction, 0.5);
  EXPECT_EQ(globex.routing.ForTier(omnibroker::v1::TIER_GOLD).weight, 450);
  EXPECT_EQ(globex.routing.offer_timeout, routing::DefaultRoutingPolicy().offer_timeout)
      << "over the defaults, not over the default tenant's policy";
  ASSERT_EQ(globex.agents.size(), 2u);
  EXPECT_EQ(globex.agents[0].id(), "alice");
  EXPECT_EQ(globex.agents[1].id(), "007");
  const TenantConfig& initech = config.tenants[1];
  EXPECT_EQ(initech.name, "initech-eu");
  EXPECT_TRUE(initech.agents.empty());
  EXPECT_EQ(initech.routing.offer_timeout, routing::DefaultRoutingPolicy().offer_timeout);
}

TEST(ConfigFileTest, PartitionsHaveACountAndTenantsPlacedByHand) {
  BrokerConfig config = DefaultConfig();
  EXPECT_EQ(config.partitions.count, 16);
  ASSERT_TRUE(ApplyConfigText("partitions: {count: 4, assign: {globex: 3, acme: 0}}", config).ok());
  EXPECT_EQ(config.partitions.count, 4);
  EXPECT_EQ(config.partitions.Of("globex"), 3);
  EXPECT_EQ(config.partitions.Of("acme"), 0);
}

TEST(ConfigFileTest, AClusterNamesItsServersAndTheBrokersPlaceInIt) {
  BrokerConfig config = DefaultConfig();
  EXPECT_FALSE(config.cluster.enabled());
  ASSERT_TRUE(ApplyConfigText("cluster: {servers: [nats://n0:4222, 'nats://n1:4222'], broker_id: "
                              "broker-0, replicas: 3, lease_ttl_ms: 3000, snapshot_records: 5000, "
                              "snapshot_interval_s: 600}",
                              config)
                  .ok());
  EXPECT_EQ(config.cluster.snapshot_records, 5000u);
  EXPECT_EQ(config.cluster.snapshot_interval, std::chrono::seconds(600));
  EXPECT_EQ(config.cluster.servers,
            (std::vector<std::string>{"nats://n0:4222", "nats://n1:4222"}));
  EXPECT_EQ(config.cluster.broker_id, "broker-0");
  EXPECT_EQ(config.cluster.lease_ttl, std::chrono::milliseconds(3000));
  // One string, as the environment and the flag give it.
  BrokerConfig from_env = DefaultConfig();
  ASSERT_TRUE(ApplyConfigText("", from_env,
                              {{"OMNIBROKER_CLUSTER__SERVERS", "nats://a:1, tls://b:2"}})
                  .ok());
  EXPECT_EQ(from_env.cluster.servers, (std::vector<std::string>{"nats://a:1", "tls://b:2"}));
  BrokerConfig from_flag = DefaultConfig();
  ASSERT_TRUE(ApplyFlags({"--cluster", "nats://127.0.0.1:4222"}, from_flag).ok());
  EXPECT_EQ(from_flag.cluster.servers, (std::vector<std::string>{"nats://127.0.0.1:4222"}));
  EXPECT_EQ(from_flag.cluster.replicas, 3);
  const absl::Status bad = ApplyFlags({"--cluster", "127.0.0.1:4222"}, from_flag);
  EXPECT_NE(bad.message().find("--cluster: '127.0.0.1:4222' is not a NATS server's URL"),
            absl::string_view::npos)
      << bad;
}

TEST(ConfigFileTest, AConnectorMayServeATenantOfItsOwn) {
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyConfigText("connectors: [{type: webchat}, {type: webchat, name: chat-globex, tenant: globex}]",
                              config).ok());
  ASSERT_EQ(config.connectors.size(), 2u);
  EXPECT_EQ(config.connectors[0].tenant, "") << "the broker's default tenant";
  EXPECT_EQ(config.connectors[1].tenant, "globex");
}

TEST(ConfigFileTest, TheTenantFlagIsATenantNameApartFromTheOthers) {
  testing::TempDir dir;
  const auto path = dir.path() / "omni.yaml";
  std::ofstream(path) << "tenants: [{name: globex}]\n";
  BrokerConfig config = DefaultConfig();
  const absl::Status bad = ApplyFlags({"--tenant", "Acme"}, config);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("--tenant: 'Acme' is not a tenant name"), absl::string_view::npos)
      << bad;
  BrokerConfig clashing = DefaultConfig();
  const absl::Status clash = ApplyFlags({"--config", path.string(), "--tenant", "globex"}, clashing);
  EXPECT_EQ(clash.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(clash.message().find("--tenant: 'globex' is one of the config file's tenants"),
            absl::string_view::npos)
      << clash;
  BrokerConfig good = DefaultConfig();
  ASSERT_TRUE(ApplyFlags({"--config", path.string(), "--tenant", "acme"}, good).ok());
  EXPECT_EQ(good.tenant, "acme");
}

TEST(ConfigFileTest, FlagsOverrideTheFile) {
  testing::TempDir dir;
  const auto path = dir.path() / "omni.yaml";
  std::ofstream(path) << "grpc_listen: 127.0.0.1:7000\ntenant: acme\n";
  BrokerConfig config = DefaultConfig();
  ASSERT_TRUE(ApplyFlags({"--grpc-listen", "127.0.0.1:7001", "--config", path.string()}, config).ok());
  EXPECT_EQ(config.grpc_listen, "127.0.0.1:7001");
  EXPECT_EQ(config.tenant, "acme");
}

struct BadCase {
  std::string name;
  std::string yaml;
  std::string expected;  // part of the error
};

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, IsRefusedWithWhere) {
  BrokerConfig config = DefaultConfig();
  auto s = ApplyConfigText(GetParam().yaml, config);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(GetParam().expected), absl::string_view::npos) << s.message();
}

INSTANTIATE_TEST_SUITE_P(
    Mistakes, BadConfigTest,
    ::testing::Values(BadCase{"not_yaml", "routing: [unclosed", "not valid YAML"},
                      BadCase{"not_a_mapping", "- a\n- b", "top level must be a mapping"},
                      BadCase{"unknown_section", "\nroutnig: {}", "unknown section 'routnig' (line 2)"},
                      BadCase{"unknown_routing_field", "routing: {offer_timout: 5s}", "routing:"},
                      BadCase{"bad_tier", "routing: {tiers: [{tier: TIER_PLATINUM}]}", "routing:"},
                      BadCase{"bad_duration", "routing: {offer_timeout: soon}", "routing:"},
                      BadCase{"invalid_value", "routing: {offer_timeout: 0s}", "offer_timeout must be positive"},
                      BadCase{"risk_out_of_range", "routing: {risk_fraction: 2}", "risk_fraction"},
                      BadCase{"agents_not_list", "agents: {id: a}", "agents (line 1): must be a list"},
                      BadCase{"agent_without_id", "agents: [{languages: [en]}]", "agents[0].id: is required"},
                      BadCase{"duplicate_agent", "agents: [{id: a}, {id: a}]", "agents[1].id: 'a' appears twice"},
                      BadCase{"bad_agent_field", "agents: [{id: a, skils: []}]", "agents[0]"},
                      BadCase{"voice_without_contact",
                              "agents: [{id: a, capacity: [{channel: CHANNEL_VOICE, max_concurrent: 1}]}]",
                              "agents[0].voice_contact: required"},
                      BadCase{"agent_proficiency_out_of_range",
                              "agents:\n  - {id: a, skills: [{name: billing, proficiency: 11}]}",
                              "agents[0].skills[0] billing: proficiency must be 1–10, got 11 (line 2)"},
                      BadCase{"agent_skill_twice", "agents: [{id: a, skills: [{name: b, proficiency: 3}, {name: b, proficiency: 4}]}]",
                              "agents[0].skills: b is named twice"},
                      BadCase{"agent_bad_language", "agents: [{id: a, languages: [english]}]",
                              "agents[0].languages[0]: \"english\" is not a language tag"},
                      BadCase{"agent_capacity_twice",
                              "agents: [{id: a, capacity: [{channel: CHANNEL_CHAT, max_concurrent: 1}, {channel: CHANNEL_CHAT, max_concurrent: 2}]}]",
                              "agents[0].capacity: CHANNEL_CHAT is given twice"},
                      BadCase{"agent_capacity_without_channel", "agents: [{id: a, capacity: [{max_concurrent: 1}]}]",
                              "agents[0].capacity[0].channel: name a channel"},
                      BadCase{"calendar_overlap",
                              "routing:\n  calendars:\n    - {name: office, time_zone: UTC, weekly: [{days: [sat], hours: ['10:00-12:00']}]}\n"
                              "    - name: support\n      time_zone: Europe/Berlin\n"
                              "      weekly: [{days: [mon], hours: ['09:00-12:00', '11:00-13:00']}]",
                              "routing.calendars.support.weekly.mon: 09:00-12:00 and 11:00-13:00 overlap (line 4)"},
                      BadCase{"calendar_bad_zone",
                              "routing:\n  calendars:\n    - {name: office, time_zone: Berlin, weekly: [{days: [mon], hours: ['09:00-17:00']}]}",
                              "routing.calendars.office.time_zone: \"Berlin\" is not a time zone of the IANA database (\"Europe/Berlin\", \"UTC\"; Debian's package tzdata) (line 3)"},
                      BadCase{"queue_hours_unknown_calendar",
                              "routing:\n  queue_hours:\n    - {queue: sales, after_hours: [{action: AFTER_HOURS_KEEP_WAITING}]}\n    - {queue: billing, calendar: ofice}",
                              "routing.queue_hours.billing.calendar: no calendar \"ofice\" (known: none) (line 4)"},
                      BadCase{"scorecard_partial_weight",
                              "routing:\n  quality:\n    scorecards:\n      - {name: support, criteria: [{name: greeting, weight: 1}]}\n"
                              "      - name: billing\n        queues: [billing]\n        criteria: [{name: amount, weight: 0}]",
                              "routing.quality.scorecards.billing.criteria[0].weight: above 0 and at most 1000, got 0 (amount) (line 5)"},
                      BadCase{"scorecard_unknown_kind",
                              "routing: {quality: {scorecards: [{name: s, criteria: [{name: a, weight: 1, kind: THREE}]}]}}",
                              "routing: (quality.scorecards[0].criteria[0].kind): invalid value \"THREE\""},
                      BadCase{"quality_share",
                              "routing: {quality: {sampling: {share: 5}}}", "routing.quality.sampling.share: 0 to 1, got 5"},
                      BadCase{"quality_thresholds",
                              "routing: {quality: {thresholds: {off_routing_below: 80, training_below: 76}}}",
                              "routing.quality.thresholds.training_below (at least off_routing_below): 80 to 100, got 76"},
                      BadCase{"queue_rule_bad_skill",
                              "routing: {queues: [{queue: billing, steps: [{skills: [{skill: billing, min_proficiency: 0}]}]}]}",
                              "routing.queues.billing.steps[0].skills[0] billing: min_proficiency must be 1–10, got 0"},
                      BadCase{"connector_without_type", "connectors: [{name: x}]", "connectors[0]: needs a type"},
                      BadCase{"connector_bad_tenant", "connectors: [{type: webchat, tenant: Globex}]",
                              "connectors[0].tenant: 'Globex' is not a tenant name"},
                      BadCase{"partitions_not_map", "partitions: 4", "partitions (line 1): a mapping of count and assign"},
                      BadCase{"partitions_zero", "partitions: {count: 0}", "partitions.count (line 1): a whole number, 1 to 1024"},
                      BadCase{"partitions_unknown_key", "partitions: {cores: 4}", "partitions.cores (line 1): unknown key"},
                      BadCase{"partition_assign_beyond_count", "partitions: {count: 4, assign: {globex: 4}}",
                              "partitions.assign: tenant 'globex' to partition 4, not within 0 to 3"},
                      BadCase{"partition_assign_bad_tenant", "partitions: {assign: {Globex: 1}}", "partitions.assign (line 1)"},
                      BadCase{"cluster_not_map", "cluster: nats://a:1", "cluster (line 1): a mapping"},
                      BadCase{"cluster_no_port", "cluster: {servers: [nats://a]}",
                              "cluster.servers (line 1): 'nats://a' is not a NATS server's URL"},
                      BadCase{"cluster_replicas", "cluster: {replicas: 7}", "cluster.replicas (line 1): a whole number, 1 to 5"},
                      BadCase{"cluster_ttl", "cluster: {lease_ttl_ms: 10}", "cluster.lease_ttl_ms (line 1): a whole number, 500"},
                      BadCase{"cluster_broker_id", "cluster: {broker_id: 'B 1'}", "cluster.broker_id"},
                      BadCase{"cluster_snapshot_records", "cluster: {snapshot_records: 0}",
                              "cluster.snapshot_records (line 1): a whole number, 1"},
                      BadCase{"cluster_snapshot_interval", "cluster: {snapshot_interval_s: -1}",
                              "cluster.snapshot_interval_s (line 1): a whole number, 1"},
                      BadCase{"cluster_unknown", "cluster: {leader: x}", "cluster.leader (line 1): unknown key"},
                      BadCase{"escalation_roles_not_map", "escalation_roles: [a]", "escalation_roles (line 1): a mapping"},
                      BadCase{"escalation_role_not_name", "escalation_roles: {acme: [a]}", "escalation_roles.acme (line 1): the name of a role"},
                      BadCase{"retention_not_list", "retention: {tenant: a}", "retention (line 1): must be a list"},
                      BadCase{"retention_without_tenant", "retention: [{events_days: 3}]", "retention[0]: needs a tenant"},
                      BadCase{"retention_negative", "retention: [{tenant: a, events_days: -1}]", "retention[0].events_days"},
                      BadCase{"floor_stats_not_map", "floor_stats: [a]", "floor_stats (line 1): must be a mapping"},
                      BadCase{"floor_window_zero", "floor_stats: {window_minutes: 0}",
                              "floor_stats.window_minutes (line 1): a whole number, 1 to 1440"},
                      BadCase{"floor_unknown_field", "floor_stats: {windows: 5}", "floor_stats.windows (line 1): unknown"},
                      BadCase{"floor_target_not_number", "floor_stats: {answer_target_seconds: {billing: soon}}",
                              "floor_stats.answer_target_seconds.billing (line 1): a whole number"},
                      BadCase{"floor_targets_not_map", "floor_stats: {answer_target_seconds: 20}",
                              "floor_stats.answer_target_seconds (line 1): a mapping of queue"},
                      BadCase{"join_not_bool", "join_open_conversation_across_channels: maybe", "true or false"},
                      BadCase{"listen_not_scalar", "grpc_listen: [a, b]", "grpc_listen (line 1): must be a single value"},
                      BadCase{"tenant_not_a_name", "tenant: Acme", "tenant (line 1): 'Acme' is not a tenant name (1 to 64 of a-z"},
                      BadCase{"tenant_empty", "tenant: ''", "tenant (line 1): '' is not a tenant name"},
                      BadCase{"tenant_wildcard", "tenant: '*'", "tenant (line 1): '*' is not a tenant name"},
                      BadCase{"tenant_not_scalar", "tenant: [a]", "tenant (line 1): must be a single value"},
                      BadCase{"tenants_not_list", "tenants: {name: globex}",
                              "tenants (line 1): must be a list of {name, routing, agents}"},
                      BadCase{"tenant_entry_not_map", "tenants: [globex]",
                              "tenants[0] (line 1): a mapping of name, routing, agents"},
                      BadCase{"tenant_without_name", "tenants:\n  - {agents: []}",
                              "tenants[0].name (line 2): required"},
                      BadCase{"tenant_name_not_scalar", "tenants: [{name: [a]}]",
                              "tenants[0].name (line 1): required"},
                      BadCase{"tenant_bad_name", "tenants:\n  - {name: globex}\n  - {name: Globex/EU}",
                              "tenants[1].name (line 3): 'Globex/EU' is not a tenant name"},
                      BadCase{"tenant_name_too_long", "tenants: [{name: " + std::string(65, 'g') + "}]",
                              "tenants[0].name (line 1): 'gggggggggggggggg… (65 characters)' is not a tenant name"},
                      BadCase{"tenant_name_utf8", "tenants: [{name: globéx}]",
                              "tenants[0].name (line 1): 'glob\\xc3\\xa9x' is not a tenant name"},
                      BadCase{"tenant_twice", "tenants:\n  - {name: globex}\n  - {name: globex}",
                              "tenants[1].name (line 3): 'globex' appears twice"},
                      BadCase{"tenant_is_the_default", "tenants:\n  - {name: acme}\ntenant: acme",
                              "tenants[0].name (line 2): 'acme' is the default tenant"},
                      BadCase{"tenant_is_the_implicit_default", "tenants: [{name: default}]",
                              "tenants[0].name (line 1): 'default' is the default tenant"},
                      BadCase{"tenant_unknown_key", "tenants:\n  - {name: globex, agent: []}",
                              "tenants[0].agent (line 2): unknown key; known: name, routing, agents"},
                      BadCase{"tenant_bad_policy", "tenants:\n  - name: globex\n    routing: {offer_timeout: 0s}",
                              "tenants[0] (globex): routing.offer_timeout must be positive"},
                      BadCase{"tenant_policy_unknown_field", "tenants: [{name: globex, routing: {offer_timout: 5s}}]",
                              "tenants[0] (globex): routing:"},
                      BadCase{"tenant_agents_not_list", "tenants: [{name: globex, agents: {id: a}}]",
                              "tenants[0].agents (line 1): must be a list"},
                      BadCase{"tenant_agent_without_id", "tenants: [{name: globex, agents: [{languages: [en]}]}]",
                              "tenants[0].agents[0].id: is required"},
                      BadCase{"tenant_agent_twice", "tenants: [{name: globex, agents: [{id: a}, {id: a}]}]",
                              "tenants[0].agents[1].id: 'a' appears twice"},
                      BadCase{"tenant_agent_bad_language",
                              "tenants:\n  - name: globex\n    agents:\n      - {id: a, languages: [english]}",
                              "tenants[0].agents[0].languages[0]: \"english\" is not a language tag (en, pt-BR) (line 4)"}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace omni::app
