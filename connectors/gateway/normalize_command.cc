#include "connectors/gateway/normalize_command.h"

#include <google/protobuf/util/json_util.h>

#include <iostream>
#include <iterator>

#include "base/clock.h"
#include "connectors/sdk/not_customer_traffic.h"
#include "connectors/sdk/registry.h"

namespace omni::gateway {
namespace {

constexpr char kUsage[] =
    "usage: omni-gateway normalize --connector NAME [--header 'Name: value']... "
    "[--set key=value]... [--method POST] [--path /] < payload\n";

}  // namespace

int RunNormalize(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                 std::ostream& err) {
  connectors::ConnectorConfig config;
  connectors::InboundRequest request{.method = "POST", .path = "/"};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      err << "missing value after " << flag << "\n" << kUsage;
      return 2;
    }
    const std::string& value = args[++i];
    if (flag == "--connector") {
      config.type = config.name = value;
    } else if (flag == "--header") {
      const size_t colon = value.find(':');
      if (colon == std::string::npos) {
        err << "--header must be 'Name: value', got '" << value << "'\n";
        return 2;
      }
      const size_t start = value.find_first_not_of(' ', colon + 1);
      request.headers.emplace_back(value.substr(0, colon),
                                   start == std::string::npos ? "" : value.substr(start));
    } else if (flag == "--set") {
      const size_t eq = value.find('=');
      if (eq == std::string::npos) {
        err << "--set must be key=value, got '" << value << "'\n";
        return 2;
      }
      config.settings[value.substr(0, eq)] = value.substr(eq + 1);
    } else if (flag == "--method") {
      request.method = value;
    } else if (flag == "--path") {
      request.path = value;
    } else {
      err << "unknown flag " << flag << "\n" << kUsage;
      return 2;
    }
  }
  if (config.type.empty()) {
    err << kUsage;
    return 2;
  }
  auto registry = connectors::BuiltinConnectors();
  if (!registry.ok()) {
    err << registry.status() << "\n";
    return 2;
  }
  const connectors::ConnectorFactory* factory = registry->Find(config.type);
  if (factory == nullptr) {
    err << "unknown connector '" << config.type << "'; built in:";
    for (const auto& name : registry->Names()) err << " " << name;
    err << "\n";
    return 2;
  }
  request.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  auto events = factory->Normalize(config, request, SystemClock().Now());
  if (!events.ok() && connectors::NotCustomerTrafficKind(events.status()).has_value()) {
    err << "acknowledged, no event: " << events.status().message() << "\n";  // the webhook's 200
    return 0;
  }
  if (!events.ok()) {
    err << "rejected: " << events.status() << "\n";
    return 1;
  }
  for (const auto& event : *events) {
    std::string json;
    if (auto s = google::protobuf::util::MessageToJsonString(event, &json); !s.ok()) {
      err << "cannot print event " << event.id() << " as JSON: " << s.ToString() << "\n";
      return 2;
    }
    out << json << "\n";
  }
  return 0;
}

}  // namespace omni::gateway
