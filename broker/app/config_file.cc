#include "broker/app/config_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "base/tenant_name.h"
#include "broker/routing/policy_proto.h"
#include "broker/routing/validation.h"
#include "connectors/sdk/config_environment.h"
#include "connectors/sdk/connector_list.h"
#include "google/protobuf/util/json_util.h"

namespace omni::app {
namespace {

using connectors::Where;
using nlohmann::json;

// YAML to JSON. Plain scalars that read as booleans or numbers become them; quoted ones stay text.
json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(ToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = ToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar: {
      const std::string& text = node.Scalar();
      if (node.Tag() != "!") {
        if (text == "true" || text == "false") return text == "true";
        int64_t i;
        if (absl::SimpleAtoi(text, &i)) return i;
        double d;
        if (absl::SimpleAtod(text, &d)) return d;
      }
      return text;
    }
    default:
      return nullptr;
  }
}

// Parses `value` (JSON) into `message`; the error names the section.
absl::Status FromJson(const json& value, google::protobuf::Message& message, const std::string& section) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto s = google::protobuf::util::JsonStringToMessage(value.dump(), &message, options);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat(section, ": ", std::string(s.message())));
  return absl::OkStatus();
}

absl::Status ScalarString(const YAML::Node& node, const std::string& key, std::string& out) {
  if (!node.IsScalar()) return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(node), "): must be a single value"));
  out = node.Scalar();
  return absl::OkStatus();
}

// A whole number from `lo` to `hi` in `node`, or an error naming `field`.
absl::Status WholeNumber(const YAML::Node& node, const std::string& field, int64_t lo, int64_t hi,
                         int64_t& out) {
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &out) || out < lo || out > hi) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " (", Where(node), "): a whole number, ", lo, " to ", hi));
  }
  return absl::OkStatus();
}

// floor_stats: {window_minutes: 60, short_abandon_seconds: 5,
//               answer_target_seconds: {"*": 20, billing: 60}}
absl::Status ApplyFloorStats(const YAML::Node& value, ops::FloorStatsOptions& options) {
  if (!value.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("floor_stats (", Where(value), "): must be a mapping"));
  }
  for (const auto& entry : value) {
    const std::string field = absl::StrCat("floor_stats.", entry.first.as<std::string>());
    int64_t n = 0;
    if (field == "floor_stats.window_minutes") {
      OMNI_RETURN_IF_ERROR(WholeNumber(entry.second, field, 1, 24 * 60, n));
      options.window_minutes = static_cast<int>(n);
    } else if (field == "floor_stats.short_abandon_seconds") {
      OMNI_RETURN_IF_ERROR(WholeNumber(entry.second, field, 0, 3600, n));
      options.short_abandon = std::chrono::seconds(n);
    } else if (field == "floor_stats.answer_target_seconds") {
      if (!entry.second.IsMap()) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, " (", Where(entry.second), "): a mapping of queue (\"*\" for the others) to seconds"));
      }
      for (const auto& target : entry.second) {
        const std::string queue = target.first.as<std::string>();
        OMNI_RETURN_IF_ERROR(WholeNumber(target.second, absl::StrCat(field, ".", queue), 1, 86400, n));
        options.answer_targets[queue] = std::chrono::seconds(n);
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " (", Where(entry.first),
          "): unknown; known: window_minutes, short_abandon_seconds, answer_target_seconds"));
    }
  }
  return absl::OkStatus();
}

// grpc_security: {tls_cert_file, tls_key_file, tls_client_ca_file, token_secret_file,
// token_leeway_seconds, token_max_lifetime_hours, rate_limit_per_second, rate_limit_burst,
// failed_auth_per_second, failed_auth_burst}; the files are read and checked
// at start and by check-config (auth::LoadGrpcSecurity).
absl::Status ApplyGrpcSecurity(const YAML::Node& value, auth::GrpcSecurityConfig& out) {
  if (!value.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat("grpc_security (", Where(value), "): must be a mapping"));
  }
  for (const auto& entry : value) {
    const std::string field = entry.first.as<std::string>();
    const std::string key = absl::StrCat("grpc_security.", field);
    const YAML::Node& v = entry.second;
    double number = 0;
    const bool is_number = v.IsScalar() && absl::SimpleAtod(v.Scalar(), &number);
    if (field == "tls_cert_file") {
      OMNI_RETURN_IF_ERROR(ScalarString(v, key, out.tls_cert_file));
    } else if (field == "tls_key_file") {
      OMNI_RETURN_IF_ERROR(ScalarString(v, key, out.tls_key_file));
    } else if (field == "tls_client_ca_file") {
      OMNI_RETURN_IF_ERROR(ScalarString(v, key, out.tls_client_ca_file));
    } else if (field == "token_secret_file") {
      OMNI_RETURN_IF_ERROR(ScalarString(v, key, out.token_secret_file));
    } else if (field == "token_leeway_seconds") {
      int64_t seconds;
      if (!v.IsScalar() || !absl::SimpleAtoi(v.Scalar(), &seconds) || seconds < 0 || seconds > 3600) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): whole seconds, 0 to 3600"));
      }
      out.token_leeway = std::chrono::seconds(seconds);
    } else if (field == "token_max_lifetime_hours") {
      int64_t hours;
      if (!v.IsScalar() || !absl::SimpleAtoi(v.Scalar(), &hours) || hours < 1 || hours > 8760) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): whole hours, 1 to 8760"));
      }
      out.token_max_lifetime = std::chrono::hours(hours);
    } else if (field == "rate_limit_per_second") {
      if (!is_number || number < 0) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): a number, 0 = no limit"));
      }
      out.rate_limit.per_second = number;
    } else if (field == "rate_limit_burst") {
      if (!is_number || number < 1) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): a number, at least 1"));
      }
      out.rate_limit.burst = number;
    } else if (field == "failed_auth_per_second") {
      if (!is_number || number < 0) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): a number, 0 = no limit"));
      }
      out.failed_auth_limit.per_second = number;
    } else if (field == "failed_auth_burst") {
      if (!is_number || number < 1) {
        return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(v), "): a number, at least 1"));
      }
      out.failed_auth_limit.burst = number;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "grpc_security: unknown key '", field, "' (", Where(entry.first),
          "); known: tls_cert_file, tls_key_file, tls_client_ca_file, token_secret_file, "
          "token_leeway_seconds, token_max_lifetime_hours, rate_limit_per_second, rate_limit_burst, "
          "failed_auth_per_second, failed_auth_burst"));
    }
  }
  return absl::OkStatus();
}

// The node at the dotted `path` under `node` ("quality.scorecards"), by const lookups that add
// nothing; a null node when there is none.
YAML::Node Child(const YAML::Node& node, absl::string_view path) {
  const size_t dot = path.find('.');
  const std::string head(path.substr(0, dot));
  if (!node.IsMap() || !node[head]) return YAML::Node();
  const YAML::Node child = node[head];
  return dot == absl::string_view::npos ? child : Child(child, path.substr(dot + 1));
}

// The line of the entry of `routing`'s list `list` ("calendars", "quality.scorecards") whose `key`
// is the name an error begins with ("routing.calendars.office.weekly…" → the calendar named
// office), as " (line 12)"; "" when the error names no entry of it.
std::string EntryLine(const YAML::Node& routing, const char* list, const char* key, absl::string_view error) {
  const std::string prefix = absl::StrCat("routing.", list, ".");
  const YAML::Node entries = Child(routing, list);
  if (!absl::StartsWith(error, prefix) || !entries.IsSequence()) return "";
  const absl::string_view rest = error.substr(prefix.size());
  std::string found;
  size_t longest = 0;
  for (const auto& entry : entries) {
    if (!entry.IsMap() || !entry[key] || !entry[key].IsScalar()) continue;
    const std::string& name = entry[key].Scalar();
    // The longest name that the error names ("office-x" over "office").
    if (name.size() >= longest && absl::StartsWith(rest, name) &&
        (rest.size() == name.size() || rest[name.size()] == '.' || rest[name.size()] == ':')) {
      longest = name.size();
      found = absl::StrCat(" (", Where(entry), ")");
    }
  }
  return found;
}

// routing: {...}, the fields given over `base`'s, checked whole; an error about a calendar, a
// queue's hours or a scorecard names the entry's line.
absl::StatusOr<routing::RoutingPolicy> ParseRouting(const YAML::Node& value,
                                                    const routing::RoutingPolicy& base) {
  omnibroker::v1::RoutingPolicy proto;
  OMNI_RETURN_IF_ERROR(FromJson(ToJson(value), proto, "routing"));
  auto policy = routing::MergePolicy(base, proto);
  if (policy.ok()) return policy;
  const absl::string_view error = policy.status().message();
  const std::string line = EntryLine(value, "calendars", "name", error) + EntryLine(value, "queue_hours", "queue", error) +
                           EntryLine(value, "quality.scorecards", "name", error);
  return absl::Status(policy.status().code(), absl::StrCat(error, line));
}

// agents: [{id: alice, …}, …], a whole roster: each entry valid, each id once. `field` names the
// list in errors ("agents", "tenants[0].agents").
absl::StatusOr<std::vector<omnibroker::v1::Agent>> ParseAgents(const YAML::Node& value,
                                                               const std::string& field) {
  if (!value.IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat(field, " (", Where(value), "): must be a list"));
  }
  std::vector<omnibroker::v1::Agent> agents;
  std::set<std::string> ids;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    omnibroker::v1::Agent agent;
    OMNI_RETURN_IF_ERROR(FromJson(ToJson(value[i]), agent, at));
    if (auto st = routing::ValidateAgent(agent, at); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(st.message(), " (", Where(value[i]), ")"));
    }
    if (!ids.insert(agent.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".id: '", agent.id(), "' appears twice"));
    }
    agents.push_back(std::move(agent));
  }
  return agents;
}

// One entry of tenants: {name: globex, routing: {...}, agents: [...]}, its routing and roster
// read as the top-level sections are. `at` names it ("tenants[1]").
absl::StatusOr<TenantConfig> ParseTenant(const YAML::Node& entry, const std::string& at) {
  if (!entry.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, " (", Where(entry), "): a mapping of name, routing, agents"));
  }
  TenantConfig tenant;
  const YAML::Node name = entry["name"];
  if (!name || !name.IsScalar()) {
    return absl::InvalidArgumentError(
        absl::StrCat(at, ".name (", Where(name ? name : entry), "): required, the tenant's name"));
  }
  tenant.name = name.Scalar();
  OMNI_RETURN_IF_ERROR(
      ValidateTenantName(tenant.name, absl::StrCat(at, ".name (", Where(name), ")")));
  for (const auto& kv : entry) {
    const std::string key = kv.first.as<std::string>();
    if (key == "name") continue;
    if (key == "routing") {
      auto policy = ParseRouting(kv.second, tenant.routing);
      if (!policy.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(
            at, " (", tenant.name, "): ", policy.status().message(), " (", Where(kv.second), ")"));
      }
      tenant.routing = *std::move(policy);
    } else if (key == "agents") {
      OMNI_ASSIGN_OR_RETURN(tenant.agents, ParseAgents(kv.second, at + ".agents"));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(at, ".", key, " (", Where(kv.first),
                                                     "): unknown key; known: name, routing, "
                                                     "agents"));
    }
  }
  return tenant;
}

// tenants: [{name: globex, routing: {...}, agents: [...]}, …]: the tenants beyond the default
// one, each named once.
absl::StatusOr<std::vector<TenantConfig>> ParseTenants(const YAML::Node& value) {
  if (!value.IsSequence()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tenants (", Where(value), "): must be a list of {name, routing, agents}"));
  }
  std::vector<TenantConfig> tenants;
  std::set<std::string> names;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string at = absl::StrCat("tenants[", i, "]");
    OMNI_ASSIGN_OR_RETURN(TenantConfig tenant, ParseTenant(value[i], at));
    if (!names.insert(tenant.name).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".name (", Where(value[i]["name"]), "): '",
                                                     tenant.name, "' appears twice"));
    }
    tenants.push_back(std::move(tenant));
  }
  return tenants;
}

// Once every section is applied (`tenant:` may stand below `tenants:`, or come from the
// environment): the default tenant is not one of the others as well.
absl::Status CheckDefaultTenantApart(const YAML::Node& root, const BrokerConfig& config) {
  const YAML::Node tenants = root["tenants"];
  if (!tenants || !tenants.IsSequence()) return absl::OkStatus();
  for (size_t i = 0; i < tenants.size(); ++i) {
    const YAML::Node name = tenants[i].IsMap() ? tenants[i]["name"] : YAML::Node();
    if (name && name.IsScalar() && name.Scalar() == config.tenant) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tenants[", i, "].name (", Where(name), "): '", config.tenant,
          "' is the default tenant (tenant:), whose routing and agents are the top-level "
          "sections"));
    }
  }
  return absl::OkStatus();
}

// partitions: {count: 16, assign: {acme: 0, globex: 3}}
absl::Status ApplyPartitions(const YAML::Node& value, partitions::PartitionMap& map) {
  if (!value.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions (", Where(value), "): a mapping of count and assign"));
  }
  for (const auto& kv : value) {
    const std::string key = kv.first.as<std::string>();
    if (key == "count") {
      if (!kv.second.IsScalar() || !absl::SimpleAtoi(kv.second.Scalar(), &map.count) ||
          map.count < 1 || map.count > partitions::kMaxPartitionCount) {
        return absl::InvalidArgumentError(absl::StrCat("partitions.count (", Where(kv.second),
                                                       "): a whole number, 1 to ",
                                                       partitions::kMaxPartitionCount));
      }
    } else if (key == "assign") {
      if (!kv.second.IsMap()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "partitions.assign (", Where(kv.second), "): a mapping of tenant to partition"));
      }
      for (const auto& entry : kv.second) {
        const std::string tenant = entry.first.as<std::string>();
        OMNI_RETURN_IF_ERROR(ValidateTenantName(
            tenant, absl::StrCat("partitions.assign (", Where(entry.first), ")")));
        int partition;
        if (!entry.second.IsScalar() || !absl::SimpleAtoi(entry.second.Scalar(), &partition) ||
            partition < 0) {
          return absl::InvalidArgumentError(absl::StrCat("partitions.assign.", tenant, " (",
                                                         Where(entry.second),
                                                         "): a partition number, from 0"));
        }
        map.assigned[tenant] = partition;
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "partitions.", key, " (", Where(kv.first), "): unknown key; known: count, assign"));
    }
  }
  // Whether each assignment is below the count is checked once every section is applied.
  return absl::OkStatus();
}

// cluster: {servers: [...], broker_id: b0, replicas: 3, lease_ttl_ms: 5000, ingest_address: ...,
//           grpc_address: ..., snapshot_records: 100000, snapshot_interval_s: 3600}
absl::Status ApplyCluster(const YAML::Node& value, cluster::ClusterOptions& cluster) {
  if (!value.IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cluster (", Where(value), "): a mapping of servers, broker_id, replicas, lease_ttl_ms, "
        "ingest_address, grpc_address, snapshot_records, snapshot_interval_s"));
  }
  for (const auto& kv : value) {
    const std::string key = kv.first.as<std::string>();
    const std::string field = absl::StrCat("cluster.", key);
    if (key == "servers") {
      if (kv.second.IsScalar()) {
        OMNI_ASSIGN_OR_RETURN(cluster.servers,
                              ClusterServers(kv.second.Scalar(),
                                             absl::StrCat(field, " (", Where(kv.second), ")")));
      } else if (kv.second.IsSequence()) {
        cluster.servers.clear();
        for (const auto& server : kv.second) {
          if (!server.IsScalar()) {
            return absl::InvalidArgumentError(
                absl::StrCat(field, " (", Where(server), "): a server's URL"));
          }
          OMNI_ASSIGN_OR_RETURN(auto one, ClusterServers(server.Scalar(), absl::StrCat(
                                                                              field, " (", Where(server), ")")));
          cluster.servers.insert(cluster.servers.end(), one.begin(), one.end());
        }
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(field, " (", Where(kv.second), "): a list of nats:// URLs"));
      }
    } else if (key == "broker_id") {
      OMNI_RETURN_IF_ERROR(ScalarString(kv.second, field, cluster.broker_id));
      OMNI_RETURN_IF_ERROR(ValidateTenantName(cluster.broker_id, field));
    } else if (key == "replicas") {
      int64_t replicas;
      OMNI_RETURN_IF_ERROR(WholeNumber(kv.second, field, 1, 5, replicas));
      cluster.replicas = static_cast<int>(replicas);
    } else if (key == "lease_ttl_ms") {
      int64_t ms;
      OMNI_RETURN_IF_ERROR(WholeNumber(kv.second, field, 500, 600'000, ms));
      cluster.lease_ttl = std::chrono::milliseconds(ms);
    } else if (key == "ingest_address") {
      OMNI_RETURN_IF_ERROR(ScalarString(kv.second, field, cluster.ingest_address));
      if (!absl::StartsWith(cluster.ingest_address, "tcp://")) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, " (", Where(kv.second), "): where connectors reach this broker, tcp://host:port"));
      }
    } else if (key == "grpc_address") {
      OMNI_RETURN_IF_ERROR(ScalarString(kv.second, field, cluster.grpc_address));
    } else if (key == "snapshot_records") {
      int64_t records;
      OMNI_RETURN_IF_ERROR(WholeNumber(kv.second, field, 1, 1'000'000'000, records));
      cluster.snapshot_records = static_cast<uint64_t>(records);
    } else if (key == "snapshot_interval_s") {
      int64_t seconds;
      OMNI_RETURN_IF_ERROR(WholeNumber(kv.second, field, 1, 7 * 24 * 3600, seconds));
      cluster.snapshot_interval = std::chrono::seconds(seconds);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " (", Where(kv.first), "): unknown key; known: servers, broker_id, replicas, "
          "lease_ttl_ms, ingest_address, grpc_address, snapshot_records, snapshot_interval_s"));
    }
  }
  return absl::OkStatus();
}

// Applies one top-level section; its error names where it is.
absl::Status ApplySection(const YAML::Node& key_node, const YAML::Node& value,
                          BrokerConfig& config) {
  const std::string key = key_node.as<std::string>();
  std::string s;
  if (key == "data_dir") {
    if (auto st = ScalarString(value, key, s); !st.ok()) return st;
    config.data_dir = s;
  } else if (key == "grpc_listen") {
    if (auto st = ScalarString(value, key, config.grpc_listen); !st.ok()) return st;
  } else if (key == "grpc_security") {
    OMNI_RETURN_IF_ERROR(ApplyGrpcSecurity(value, config.grpc_security));
  } else if (key == "ingest_listen") {
    if (auto st = ScalarString(value, key, config.ingest_listen); !st.ok()) return st;
  } else if (key == "ingest") {
    if (auto st = ApplyIngestSection(value, config.ingest); !st.ok()) return st;
  } else if (key == "admin_listen") {
    if (auto st = ScalarString(value, key, config.admin_listen); !st.ok()) return st;
  } else if (key == "log_format") {
    if (!value.IsScalar() || (value.Scalar() != "json" && value.Scalar() != "text")) {
      return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(value), "): json or text"));
    }
    config.log_format = value.Scalar() == "json" ? LogFormat::kJson : LogFormat::kText;
  } else if (key == "shutdown_grace_seconds") {
    int64_t seconds;
    if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &seconds) || seconds < 1 ||
        seconds > 3600) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, " (", Where(value), "): a whole number of seconds, 1 to 3600"));
    }
    config.shutdown_grace = std::chrono::seconds(seconds);
  } else if (key == "tenant") {
    OMNI_RETURN_IF_ERROR(ScalarString(value, key, s));
    OMNI_RETURN_IF_ERROR(ValidateTenantName(s, absl::StrCat(key, " (", Where(value), ")")));
    config.tenant = s;
  } else if (key == "tenants") {
    OMNI_ASSIGN_OR_RETURN(config.tenants, ParseTenants(value));
  } else if (key == "partitions") {
    OMNI_RETURN_IF_ERROR(ApplyPartitions(value, config.partitions));
  } else if (key == "cluster") {
    OMNI_RETURN_IF_ERROR(ApplyCluster(value, config.cluster));
  } else if (key == "dedupe_window_hours") {
    int64_t hours;
    if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &hours) || hours < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, " (", Where(value), "): a whole number of hours, at least 1"));
    }
    config.dedupe_window = std::chrono::hours(hours);
  } else if (key == "join_open_conversation_across_channels" || key == "insecure") {
    if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false")) {
      return absl::InvalidArgumentError(absl::StrCat(key, " (", Where(value), "): true or false"));
    }
    (key == "insecure" ? config.insecure : config.join_open_conversation_across_channels) =
        value.Scalar() == "true";
  } else if (key == "retention") {
    // retention: [{tenant: "*", events_days: 0, sensitive_attachment_days: 30}, …]
    if (!value.IsSequence())
      return absl::InvalidArgumentError(
          absl::StrCat("retention (", Where(value), "): must be a list"));
    for (size_t i = 0; i < value.size(); ++i) {
      const YAML::Node& r = value[i];
      const std::string at = absl::StrCat("retention[", i, "]");
      if (!r.IsMap() || !r["tenant"] || !r["tenant"].IsScalar())
        return absl::InvalidArgumentError(at + ": needs a tenant (\"*\" for the others)");
      core::RetentionPolicy policy =
          config.retention.contains("*") ? config.retention.at("*") : core::RetentionPolicy{};
      for (auto [field, target] :
           {std::pair{"events_days", &policy.events_days},
            {"sensitive_attachment_days", &policy.sensitive_attachment_days}}) {
        if (!r[field]) continue;
        if (!r[field].IsScalar() || !absl::SimpleAtoi(r[field].Scalar(), target) || *target < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(at, ".", field, ": a whole number of days, 0 = for ever"));
        }
      }
      config.retention[r["tenant"].Scalar()] = policy;
    }
  } else if (key == "escalation_roles") {
    // escalation_roles: {"*": supervisor, acme: acme-team-leads}
    if (!value.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          key, " (", Where(value), "): a mapping of tenant (\"*\" for the others) to role"));
    }
    for (const auto& entry : value) {
      const std::string tenant = entry.first.as<std::string>();
      if (!entry.second.IsScalar() || entry.second.Scalar().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(key, ".", tenant, " (", Where(entry.second), "): the name of a role"));
      }
      config.escalation_roles[tenant] = entry.second.Scalar();
    }
  } else if (key == "floor_stats") {
    if (auto st = ApplyFloorStats(value, config.floor_stats); !st.ok()) return st;
  } else if (key == "routing") {
    OMNI_ASSIGN_OR_RETURN(config.routing, ParseRouting(value, config.routing));
  } else if (key == "agents") {
    OMNI_ASSIGN_OR_RETURN(config.agents, ParseAgents(value, "agents"));
  } else if (key == "connectors") {
    auto list = connectors::ParseConnectorList(value);
    if (!list.ok()) return list.status();
    config.connectors = *std::move(list);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "config: unknown section '", key, "' (", Where(key_node),
        "); known: data_dir, grpc_listen, grpc_security, ingest_listen, ingest, admin_listen, "
        "log_format, shutdown_grace_seconds, tenant, tenants, partitions, cluster, dedupe_window_hours, "
        "retention, "
        "escalation_roles, join_open_conversation_across_channels, floor_stats, routing, agents, "
        "connectors, insecure"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ClusterServers(std::string_view text,
                                                        const std::string& where) {
  std::vector<std::string> servers;
  for (absl::string_view url : absl::StrSplit(ToAbsl(text), ',', absl::SkipWhitespace())) {
    url = absl::StripAsciiWhitespace(url);
    const bool scheme = absl::StartsWith(url, "nats://") || absl::StartsWith(url, "tls://");
    const size_t colon = url.rfind(':');
    int port = 0;
    if (!scheme || colon < 6 || !absl::SimpleAtoi(url.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": '", std::string(url), "' is not a NATS server's URL (nats://host:port)"));
    }
    servers.emplace_back(url);
  }
  if (servers.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": no server named"));
  return servers;
}

absl::Status ApplyConfigText(std::string_view text, BrokerConfig& config,
                             const connectors::ConfigEnvironment& env) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("config is not valid YAML: ", e.what()));
  }
  if (!root.IsNull() && !root.IsMap())
    return absl::InvalidArgumentError("config: the top level must be a mapping of sections");
  OMNI_RETURN_IF_ERROR(connectors::ApplyEnvironment(env, kEnvironmentPrefix, root));
  // Every section is checked, so one run reports every mistake.
  std::string errors;
  for (const auto& kv : root) {
    if (auto s = ApplySection(kv.first, kv.second, config); !s.ok()) {
      absl::StrAppend(&errors, errors.empty() ? "" : "\n", s.message());
    }
  }
  if (auto s = CheckDefaultTenantApart(root, config); !s.ok()) {
    absl::StrAppend(&errors, errors.empty() ? "" : "\n", s.message());
  }
  if (auto s = config.partitions.Validate(); !s.ok()) {
    absl::StrAppend(&errors, errors.empty() ? "" : "\n", s.message());
  }
  if (!errors.empty()) return absl::InvalidArgumentError(errors);
  return absl::OkStatus();
}

absl::Status ApplyConfigFile(const std::filesystem::path& path, BrokerConfig& config,
                             const connectors::ConfigEnvironment& env) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read config file ", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  if (auto s = ApplyConfigText(text.str(), config, env); !s.ok()) {
    // Each error on its own line, each naming the file.
    const std::string prefix = absl::StrCat(path.string(), ": ");
    return absl::Status(
        s.code(), absl::StrCat(prefix, absl::StrReplaceAll(s.message(), {{"\n", "\n" + prefix}})));
  }
  return absl::OkStatus();
}

}  // namespace omni::app
