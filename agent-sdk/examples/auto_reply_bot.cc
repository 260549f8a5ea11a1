// omni-auto-reply-bot: an example of the agent SDK's typed callbacks. It logs in as an agent,
// becomes available, accepts every offer, answers each customer message with a fixed reply and
// prints the connection coming and going; it reconnects by itself if the broker goes away.
//
//   build/agent-sdk/examples/omni-auto-reply-bot --broker 127.0.0.1:50051 --agent boris \
//       --reply "Thanks, we will get back to you shortly"
//
// A secured broker: add --ca FILE (--cert FILE --key FILE for mTLS) and --token-file FILE.
// Runs until stdin closes (Ctrl-D) or, with --seconds N, for N seconds.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "omni/agent/agent_client.h"
#include "omni/agent/security.h"

namespace {

using omni::agent::AgentClient;

struct Flags {
  std::string broker = "127.0.0.1:50051";
  std::string agent;
  std::string reply = "Thanks for your message, we will get back to you shortly.";
  int seconds = 0;
  omni::agent::SecurityFlags security;
};

bool Parse(int argc, char** argv, Flags& flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i], value = argv[i + 1];
    if (name == "--broker") {
      flags.broker = value;
    } else if (name == "--agent") {
      flags.agent = value;
    } else if (name == "--reply") {
      flags.reply = value;
    } else if (name == "--seconds") {
      flags.seconds = std::stoi(value);
    } else if (!flags.security.Take(name, value)) {
      std::cerr << "unknown flag " << name << "\n";
      return false;
    }
  }
  if (flags.agent.empty()) std::cerr << "--agent is required\n";
  return !flags.agent.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!Parse(argc, argv, flags)) {
    std::cerr << "usage: omni-auto-reply-bot --agent ID [--broker HOST:PORT] [--reply TEXT] "
                 "[--seconds N] "
              << omni::agent::SecurityFlags::kUsage << "\n";
    return 2;
  }
  auto credentials = flags.security.Credentials();
  auto token = flags.security.Token();
  if (!credentials.ok() || !token.ok()) {
    std::cerr << (credentials.ok() ? token.status() : credentials.status()) << "\n";
    return 2;
  }
  // The callbacks run on the SDK's dispatch thread, one at a time.
  omni::agent::AgentClientOptions options{.target = flags.broker,
                                          .agent_id = flags.agent,
                                          .token = *token,
                                          .tenant = flags.security.tenant,
                                          .credentials = *credentials};
  options.callbacks.on_offer = [&](AgentClient& client, const omnibroker::v1::Offer& offer) {
    auto conversation = client.Accept(offer.offer_id());
    std::cout << "offer " << offer.offer_id() << ": "
              << (conversation.ok() ? "accepted" : conversation.status().ToString()) << std::endl;
    if (conversation.ok()) (void)client.SendText(*conversation, flags.reply);
  };
  options.callbacks.on_message = [&](AgentClient& client,
                                     const omnibroker::v1::ConversationMessage& message) {
    auto sent = client.SendText(message.event().conversation_id(), flags.reply);
    std::cout << "message in " << message.event().conversation_id() << ": "
              << (sent.ok() ? "answered" : sent.status().ToString()) << std::endl;
  };
  options.callbacks.on_connection = [](AgentClient&,
                                       const omnibroker::v1::ConnectionChange& change) {
    std::cout << "connection: " << omnibroker::v1::ConnectionChange::State_Name(change.state())
              << (change.reason().empty() ? "" : " (" + change.reason() + ")") << std::endl;
  };
  auto connected = AgentClient::Connect(options);
  if (!connected.ok()) {
    std::cerr << "cannot log in: " << connected.status() << "\n";
    return 1;
  }
  AgentClient* client = connected->get();
  if (auto s = client->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE); !s.ok()) {
    std::cerr << "cannot become available: " << s << "\n";
    return 1;
  }
  std::cout << "logged in as " << flags.agent << ", available" << std::endl;
  if (flags.seconds > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(flags.seconds));
  } else {
    for (std::string line; std::getline(std::cin, line);) {
    }
  }
  client->Close();
  return 0;
}
