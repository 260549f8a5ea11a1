// omni-console: an agent's terminal console (ncursesw) on agent-sdk. Flags, locale and log-in
// here; the loop is ConsoleApp, the screen is views. docs/console.md has the keys.
#include <langinfo.h>

#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>

#include "console_app.h"
#include "omni/agent/agent_client.h"
#include "omni/agent/security.h"

namespace {

constexpr char kUsage[] =
    "usage: omni-console --agent <id> [--broker host:port] [--templates file.yaml]\n"
    "                    [--ca FILE] [--cert FILE --key FILE] [--token-file FILE]\n"
    "                    [--tenant NAME]\n";

struct Flags {
  std::string broker = "127.0.0.1:50051";
  std::string agent;
  std::string templates;
  omni::agent::SecurityFlags security;
};

// Customers write Cyrillic and CJK: the console needs a UTF-8 locale whatever the environment
// says, and C.UTF-8 is always there on Debian.
void UseUtf8Locale() {
  std::setlocale(LC_ALL, "");
  if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_ALL, "C.UTF-8");
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc) {
      value = argv[++i];
    }
    if (name == "--broker")
      flags.broker = value;
    else if (name == "--agent")
      flags.agent = value;
    else if (name == "--templates")
      flags.templates = value;
    else if (!flags.security.Take(name, value)) {
      std::fprintf(stderr, "omni-console: unknown flag %s\n%s", name.c_str(), kUsage);
      return 2;
    }
  }
  if (flags.agent.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  UseUtf8Locale();

  omni::console::TemplateSet templates = omni::console::DefaultTemplates();
  if (!flags.templates.empty()) {
    auto loaded = omni::console::LoadTemplates(flags.templates);
    if (!loaded.ok()) {
      std::fprintf(stderr, "omni-console: %s\n", loaded.status().ToString().c_str());
      return 2;
    }
    templates = *std::move(loaded);
  }

  auto credentials = flags.security.Credentials();
  auto token = flags.security.Token();
  if (!credentials.ok() || !token.ok()) {
    const absl::Status& bad = credentials.ok() ? token.status() : credentials.status();
    std::fprintf(stderr, "omni-console: %s\n", bad.ToString().c_str());
    return 2;
  }
  auto client = omni::agent::AgentClient::Connect({.target = flags.broker,
                                                   .agent_id = flags.agent,
                                                   .token = *token,
                                                   .tenant = flags.security.tenant,
                                                   .credentials = *credentials});
  if (!client.ok()) {
    std::fprintf(stderr, "omni-console: %s\n", client.status().ToString().c_str());
    return 1;
  }
  auto terminal = omni::console::Terminal::Open();
  if (!terminal.ok()) {
    std::fprintf(stderr, "omni-console: %s\n", terminal.status().ToString().c_str());
    return 1;
  }
  omni::console::ConsoleApp app(**client, std::move(templates), omni::SystemClock::Get());
  app.Run(**terminal);
  terminal->reset();
  (*client)->Close();
  return 0;
}
