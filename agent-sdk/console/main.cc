// omni-console, line mode: an agent's console on a terminal, built on agent-sdk. Updates (offers,
// customer messages) print as they arrive; commands start with '/', any other line is a reply to
// the current conversation.
#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>

#include "omni/agent/agent_client.h"

namespace {

using omni::agent::AgentClient;

std::mutex print_mu;
std::string last_offer;    // written by the update thread, read by commands
std::string current;       // the conversation replies go to

void Print(const std::string& line) {
  std::lock_guard lock(print_mu);
  std::cout << line << std::endl;
}

std::string Who(const omnibroker::v1::Event& e) {
  if (!e.agent_id().empty()) return "agent " + e.agent_id();
  return e.sender().display_name().empty() ? e.sender().handle() : e.sender().display_name();
}

void PrintEvent(const omnibroker::v1::Event& e) {
  Print("  [" + e.conversation_id() + " #" + std::to_string(e.sequence()) + "] " + Who(e) + ": " +
        e.content().text());
}

void ShowUpdate(const omnibroker::v1::AgentUpdate& u) {
  if (u.has_offer()) {
    const auto& o = u.offer();
    {
      std::lock_guard lock(print_mu);
      last_offer = o.offer_id();
    }
    Print("OFFER " + o.offer_id() + " conversation " + o.conversation().id() + " from " +
          (o.customer().display_name().empty() ? o.conversation().customer_identity().handle()
                                                : o.customer().display_name()) +
          " on " + o.conversation().provider() + ": \"" + o.last_event().content().text() +
          "\"  (/accept or /decline)");
  } else if (u.has_offer_revoked()) {
    Print("offer " + u.offer_revoked().offer_id() + " withdrawn: " + u.offer_revoked().reason());
  } else if (u.has_assigned()) {
    {
      std::lock_guard lock(print_mu);
      current = u.assigned().conversation().id();
    }
    Print("ASSIGNED " + u.assigned().conversation().id() + " (now the current conversation)");
  } else if (u.has_message()) {
    PrintEvent(u.message().event());
  } else if (u.has_closed()) {
    Print("no longer yours: " + u.closed().conversation_id() + " (" + u.closed().reason() + ")");
  } else if (u.has_escalation()) {
    Print("ESCALATION: " + u.escalation().conversation_id() + " missed its " + u.escalation().breach().kind() +
          " deadline" + (u.escalation().breach().agent_id().empty() ? "" : " with " + u.escalation().breach().agent_id()));
  } else if (u.has_result()) {
    Print("note: " + u.result().message());
  }
}

void ShowHistory(AgentClient& client, const std::string& conversation) {
  auto page = client.History(conversation, 50, /*newest_first=*/false);
  if (!page.ok()) return Print("error: " + std::string(page.status().message()));
  Print("history of " + conversation + ":");
  for (const auto& e : page->events()) PrintEvent(e);
}

void Usage() {
  Print(R"(commands:
  /available /busy /away     set presence (available = receive offers)
  /accept [offer]            accept the latest (or named) offer
  /decline [offer]           decline it
  /open <conversation>       make it current and show its history
  /history [conversation]    show the history
  /close [disposition]       close the current conversation (then wrap-up)
  /endwrap [conversation]    end the wrap-up now
  /transfer <agent> [note]   hand the current conversation to an agent, with a note
  /requeue <skill>[:level] [note]   back to the queue for agents with that skill
  /quit
  anything else              reply to the current conversation)");
}

}  // namespace

int main(int argc, char** argv) {
  std::string broker = "127.0.0.1:50051";
  std::string agent;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--broker") broker = argv[i + 1];
    else if (flag == "--agent") agent = argv[i + 1];
  }
  if (agent.empty()) {
    std::fprintf(stderr, "usage: omni-console --agent <id> [--broker host:port]\n");
    return 2;
  }
  auto connected = AgentClient::Connect(broker, agent);
  if (!connected.ok()) {
    std::fprintf(stderr, "omni-console: %s\n", connected.status().ToString().c_str());
    return 1;
  }
  AgentClient& client = **connected;
  Print("logged in as " + client.login().agent().display_name() + " (" + agent + "), presence busy; /available to take work, /help for commands");
  for (const auto& c : client.login().assigned()) {
    Print("assigned to you: " + c.id());
    current = c.id();
  }

  std::thread updates([&] {
    while (client.connected()) {
      if (auto u = client.Next(std::chrono::milliseconds(200))) ShowUpdate(*u);
    }
    Print("disconnected from the broker");
  });

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::string target;
    {
      std::lock_guard lock(print_mu);
      target = current;
    }
    const auto space = line.find(' ');
    const std::string command = line.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
    absl::Status status;
    if (command == "/quit") break;
    else if (command == "/help") Usage();
    else if (command == "/available") status = client.SetPresence(omnibroker::v1::PRESENCE_AVAILABLE);
    else if (command == "/busy") status = client.SetPresence(omnibroker::v1::PRESENCE_BUSY);
    else if (command == "/away") status = client.SetPresence(omnibroker::v1::PRESENCE_AWAY);
    else if (command == "/accept" || command == "/decline") {
      std::string offer = arg;
      if (offer.empty()) {
        std::lock_guard lock(print_mu);
        offer = last_offer;
      }
      if (command == "/decline") {
        status = client.Decline(offer);
      } else if (auto c = client.Accept(offer); c.ok()) {
        ShowHistory(client, *c);
      } else {
        status = c.status();
      }
    } else if (command == "/open") {
      {
        std::lock_guard lock(print_mu);
        current = arg;
      }
      ShowHistory(client, arg);
    } else if (command == "/history") {
      ShowHistory(client, arg.empty() ? target : arg);
    } else if (command == "/close") {
      status = client.CloseConversation(target, arg);
    } else if (command == "/endwrap") {
      status = client.EndWrapUp(arg.empty() ? target : arg);
    } else if (command == "/transfer" || command == "/requeue") {
      const auto split = arg.find(' ');
      const std::string to = arg.substr(0, split);
      const std::string note = split == std::string::npos ? "" : arg.substr(split + 1);
      if (to.empty()) {
        status = absl::InvalidArgumentError(command + " needs a target; /help shows how");
      } else if (command == "/transfer") {
        status = client.TransferToAgent(target, to, note);
      } else {
        omnibroker::v1::Requirements queue;
        auto* skill = queue.add_skills();
        const auto colon = to.find(':');
        skill->set_skill(to.substr(0, colon));
        skill->set_min_proficiency(colon == std::string::npos ? 1 : std::atoi(to.c_str() + colon + 1));
        status = client.TransferToQueue(target, queue, note);
      }
    } else if (line[0] == '/') {
      status = absl::InvalidArgumentError("unknown command " + command + "; /help lists them");
    } else if (target.empty()) {
      status = absl::FailedPreconditionError("no current conversation: /accept an offer or /open one");
    } else {
      status = client.SendText(target, line).status();
    }
    if (!status.ok()) Print("error: " + std::string(status.message()));
  }
  client.Close();
  updates.join();
  return 0;
}
