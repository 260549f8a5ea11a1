#include "broker/app/broker_config.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/tenant_name.h"
#include "broker/app/config_file.h"

namespace omni::app {
namespace {

using omnibroker::v1::Agent;

Agent DemoAgent(const std::string& id, const std::string& name, std::vector<std::string> languages,
                std::vector<std::pair<std::string, int>> skills) {
  Agent agent;
  agent.set_id(id);
  agent.set_display_name(name);
  agent.add_teams("support");
  agent.add_roles("agent");
  agent.set_voice_contact(absl::StrCat("sip:", id, "@127.0.0.1"));  // it has VOICE capacity below
  for (auto& l : languages) agent.add_languages(l);
  for (auto& [skill, level] : skills) {
    auto* s = agent.add_skills();
    s->set_name(skill);
    s->set_proficiency(level);
  }
  const std::pair<omnibroker::v1::Channel, int> capacity[] = {
      {omnibroker::v1::CHANNEL_CHAT, 3},      {omnibroker::v1::CHANNEL_MESSENGER, 3},
      {omnibroker::v1::CHANNEL_EMAIL, 5},     {omnibroker::v1::CHANNEL_SOCIAL, 3},
      {omnibroker::v1::CHANNEL_VOICE, 1}};
  for (auto [channel, n] : capacity) {
    auto* c = agent.add_capacity();
    c->set_channel(channel);
    c->set_max_concurrent(n);
  }
  return agent;
}

connectors::ConnectorConfig* FindConnector(BrokerConfig& config, const std::string& name) {
  for (auto& c : config.connectors) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

BrokerConfig DefaultConfig() {
  BrokerConfig config;
  config.connectors.push_back(connectors::ConnectorConfig{
      .type = "webchat",
      .name = "webchat",
      .settings = {{"listen", "127.0.0.1:8080"},
                   {"token_secret_path", "${data_dir}/webchat.secret"}}});
  config.agents = {
      DemoAgent("alice", "Alice Martin", {"en", "fr"}, {{"support", 8}, {"billing", 6}}),
      DemoAgent("boris", "Boris Ivanov", {"ru", "en"}, {{"support", 6}, {"technical", 7}}),
      DemoAgent("chen", "Chen Wei", {"en", "zh"}, {{"support", 7}, {"technical", 9}}),
  };
  // Alice is the senior pool for VIP and gold customers; Chen takes difficult customers.
  config.agents[0].add_tiers(omnibroker::v1::TIER_VIP);
  config.agents[0].add_tiers(omnibroker::v1::TIER_GOLD);
  config.agents[2].set_handles_difficult(true);
  // A supervisor: takes no conversations, receives escalations.
  omnibroker::v1::Agent sofia;
  sofia.set_id("sofia");
  sofia.set_display_name("Sofia Rossi");
  sofia.add_roles("supervisor");
  config.agents.push_back(sofia);
  return config;
}

std::string Usage() {
  return R"(usage: omnibroker [flags]
       omnibroker check-config [flags]   validate the configuration, print OK or each error
       omnibroker keygen                 print a new CURVE key pair (Z85) for the ingest link
  --config=FILE            YAML config file (see broker/app/config_file.h, deploy/omnibroker.yaml);
                           OMNIBROKER_<PATH> variables override it, flags override both
  --data-dir=DIR           RocksDB data and connector state (default: data)
  --grpc-listen=HOST:PORT  AgentConsole and Admin gRPC (default: 127.0.0.1:50051; port 0 = any)
  --ingest-listen=ENDPOINT ZeroMQ endpoint for out-of-process connectors (default:
                           tcp://127.0.0.1:5570; empty = in-process connectors only)
  --admin-listen=HOST:PORT Prometheus /metrics, /livez, /readyz (default: 127.0.0.1:9464;
                           empty = off)
  --cluster=URLS           lead the partitions in a cluster: its NATS servers with JetStream,
                           nats://host:port, comma-separated (docs/cluster.md; default: none)
  --log-format=json|text   one JSON object per log line (default), or plain text
  --webchat-listen=HOST:PORT  built-in web chat connector (default: 127.0.0.1:8080)
  --no-webchat             do not start the built-in web chat connector
  --offer-timeout-ms=N     how long an agent has to accept an offer (default: 20000)
  --tenant=NAME            the default tenant: of events from built-in connectors, of the
                           config file's top-level routing and agents (default: default)
)";
}

absl::Status ApplyFlags(const std::vector<std::string>& args, BrokerConfig& config,
                        const connectors::ConfigEnvironment& env) {
  // The config file and the environment over it first, wherever --config stands: flags override
  // them.
  std::string file;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--config=", 0) == 0) file = args[i].substr(9);
    if (args[i] == "--config" && i + 1 < args.size()) file = args[i + 1];
  }
  if (auto s = file.empty() ? ApplyConfigText("", config, env) : ApplyConfigFile(file, config, env);
      !s.ok()) {
    return s;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    std::string value;
    if (name == "--help" || name == "-h") return absl::CancelledError(Usage());
    if (name.rfind("--", 0) != 0) return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", name, "'\n", Usage()));
    const bool boolean = name == "--no-webchat";
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (!boolean) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      value = args[++i];
    }
    if (name == "--config") {
      // applied above
    } else if (name == "--data-dir") {
      config.data_dir = value;
    } else if (name == "--grpc-listen") {
      config.grpc_listen = value;
    } else if (name == "--ingest-listen") {
      config.ingest_listen = value;
    } else if (name == "--cluster") {
      OMNI_ASSIGN_OR_RETURN(config.cluster.servers, ClusterServers(value, "--cluster"));
    } else if (name == "--admin-listen") {
      config.admin_listen = value;
    } else if (name == "--log-format") {
      if (value != "json" && value != "text")
        return absl::InvalidArgumentError("--log-format: json or text");
      config.log_format = value == "json" ? LogFormat::kJson : LogFormat::kText;
    } else if (name == "--webchat-listen") {
      if (auto* c = FindConnector(config, "webchat")) c->settings["listen"] = value;
    } else if (name == "--no-webchat") {
      std::erase_if(config.connectors, [](const auto& c) { return c.name == "webchat"; });
    } else if (name == "--offer-timeout-ms") {
      int64_t ms;
      if (!absl::SimpleAtoi(value, &ms) || ms <= 0) {
        return absl::InvalidArgumentError("--offer-timeout-ms must be a positive integer");
      }
      config.routing.offer_timeout = std::chrono::milliseconds(ms);
    } else if (name == "--tenant") {
      if (auto s = ValidateTenantName(value, "--tenant"); !s.ok()) return s;
      if (std::any_of(config.tenants.begin(), config.tenants.end(),
                      [&](const TenantConfig& t) { return t.name == value; })) {
        return absl::InvalidArgumentError(
            absl::StrCat("--tenant: '", value,
                         "' is one of the config file's tenants; the default tenant is "
                         "another (its routing and agents are the top-level sections)"));
      }
      config.tenant = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name, "\n", Usage()));
    }
  }
  return absl::OkStatus();
}

}  // namespace omni::app
