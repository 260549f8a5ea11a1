// omnictl: the operator's command line over the Admin gRPC service.
//
//   omnictl [--broker HOST:PORT] agents
//   omnictl [--broker HOST:PORT] queue
//   omnictl [--broker HOST:PORT] stats
//   omnictl [--broker HOST:PORT] top [--interval SECONDS] [--iterations N | --once]
//   omnictl [--broker HOST:PORT] conversation <id>
//   omnictl [--broker HOST:PORT] explain <conversation id>
//   omnictl [--broker HOST:PORT] policy [reset | set <file.json | ->]
//   omnictl [--broker HOST:PORT] customer <id> [--tier standard|gold|vip] [--flags a,b] [--manager AGENT]
//                                             [--language xx]
//   omnictl [--broker HOST:PORT] history <customer id> [--newest] [--limit N]
//   omnictl [--broker HOST:PORT] merge <from customer> <into customer> [reason…]
//   omnictl [--broker HOST:PORT] unmerge <customer id>
//   omnictl [--broker HOST:PORT] backup <directory on the broker's host>
//   omnictl [--broker HOST:PORT] erase <customer id> <reason…>
//   omnictl [--broker HOST:PORT] audit
//   omnictl [--broker HOST:PORT] revoke token <token id> <reason…>
//   omnictl [--broker HOST:PORT] revoke agent <agent id> <reason…>
//   omnictl [--broker HOST:PORT] revocations
//   omnictl [--broker HOST:PORT] remove-agent <agent id> <reason…>
//   omnictl [--broker HOST:PORT] tenants
//   omnictl [--broker HOST:PORT] tenant add <name> <reason…>
//   omnictl [--broker HOST:PORT] tenant remove <name> <reason…>
//   omnictl [--broker HOST:PORT] cluster
//   omnictl [--broker HOST:PORT] review list [--scored] [--agent ID] [--limit N]
//   omnictl [--broker HOST:PORT] review show <conversation id> [--limit N]
//   omnictl [--broker HOST:PORT] review score <conversation id> <criterion>=<yes|partly|no|n/a>…
//                                              [--comment TEXT]
//   omnictl [--broker HOST:PORT] review recertify <agent id> <note…>
//   omnictl token --agent ID --tenant NAME --ttl 8h [--role agent|quality|supervisor|admin]
//                 --secret-file FILE
//   omnictl token --agent ID --role operator --ttl 8h --secret-file FILE
// A broker with TLS or agent tokens: --ca FILE [--cert FILE --key FILE] --token-file FILE (or
// OMNI_AGENT_TOKEN) before the command; Admin needs a supervisor's token to read, an admin's to
// change anything. --tenant NAME (before the command) names the tenant the command acts for: an
// operator's token needs it.
// Exit status: 0 ok, 1 the broker refused (its message is printed), 2 usage.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "base/clock.h"
#include "base/tenant_name.h"
#include "base/terminal_text.h"
#include "broker/auth/agent_token.h"
#include "broker/auth/grpc_security.h"
#include "omni/agent/security.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/time_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "broker/ctl/floor_view.h"
#include "broker/ctl/review_view.h"
#include "omnibroker/v1/admin.grpc.pb.h"

namespace {

using omnibroker::v1::Admin;

constexpr char kUsage[] = R"(usage: omnictl [--broker HOST:PORT] [--ca FILE] [--cert FILE --key FILE] [--token-file FILE]
               [--tenant NAME] <command>
  --tenant NAME                  the tenant the command acts for, sent as x-omni-tenant: needed
                                 with an operator's token, else the token's own tenant; in dev
                                 mode (no token) the broker's default tenant when not given
  agents                         the roster with presence and load
  queue                          conversations waiting or offered, oldest first
  stats                          the floor: per queue waiting, service level, ASA, AHT, abandons,
                                 breaches over the broker's window; per agent state, load, occupancy
  top [--interval S] [--iterations N | --once]   the floor, redrawn in place every S seconds (2)
  conversation <id>              one conversation, as JSON
  explain <conversation id>      why it went where it did: candidates, factors, the rule
  policy                         the routing policy in force, as JSON
  policy set <file.json | ->     change the routing policy at run time (the fields given; kept
                                 across restarts until the config file's policy is edited)
  policy reset                   drop the run-time changes: the config file's policy again
  customer <id>                  a customer: identities (and where each link came from), merges
  customer <id> [--tier standard|gold|vip] [--flags a,b] [--manager AGENT] [--language xx]
  history <customer id> [--newest] [--limit N]   everything they wrote, on every channel
  merge <from> <into> [reason…]  make two customers one (undo with unmerge)
  unmerge <customer id>          undo a merge
  erase <customer id> <reason…>  erase a customer on request (audited; cannot be undone)
  audit                          the audit trail, newest first
  revoke token <token id> <reason…>   revoke one agent token (its id: what `token` printed)
  revoke agent <agent id> <reason…>   revoke every token of an agent issued up to now (a lost
                                 laptop; mint the new one a second later)
  revocations                    the token revocations in force
  remove-agent <agent id> <reason…>   remove an agent: out of the roster and routing (their work
                                 back to the queue), their tokens revoked; history kept (audited)
  tenants                        every tenant served: partition, from the config file or Admin,
                                 agents, consoles connected, open conversations (operator)
  tenant add <name> <reason…>    serve a tenant from now on (one removed before comes back with its
                                 data); its policy and roster: policy set / Admin with --tenant
  tenant remove <name> <reason…> stop serving a tenant: its traffic refused, its consoles ended;
                                 its data kept (audited; operator)
  cluster                        the partitions this broker leads or stands by for: who leads,
                                 epoch, how far its store and the log stand (operator)
  review list [--scored] [--agent ID] [--limit N]
                                 the review queue (docs/quality.md): closed conversations picked for
                                 review, oldest first, with why; --scored: the scored, newest first
  review show <conversation id> [--limit N]
                                 a review: why picked, its scorecard (answers once scored), the
                                 conversation and the agent's quality standing
  review score <conversation id> <criterion>=<yes|partly|no|n/a>… [--comment TEXT]
                                 score it, one answer per criterion (role quality; final)
  review recertify <agent id> <note…>
                                 put an agent taken off routing back on it (supervisor; audited)
  backup <dir>                   a consistent online copy of the store into <dir> (absolute, on the
                                 broker's host, new); restore: see docs/operations.md
  token --agent ID --tenant NAME --ttl 8h [--role agent|quality|supervisor|admin] --secret-file FILE
                                 mint an agent token of tenant NAME with the broker's token secret
                                 (offline); the token on stdout, its id and expiry on stderr
  token --agent ID --role operator --ttl 8h --secret-file FILE
                                 a platform operator's token: admin of every tenant, each call
                                 naming its tenant with --tenant
)";

// Who asks, for the broker's provenance and audit records.
std::string RequestedBy() {
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "omnictl";
}

// args[from..] joined by spaces (a free-text reason given unquoted).
std::string Words(const std::vector<std::string>& args, size_t from) {
  std::string out;
  for (size_t i = from; i < args.size(); ++i) out += (i > from ? " " : "") + args[i];
  return out;
}

// Everything omnictl prints of what it got from the broker goes through here: customers' words,
// names and ids may carry terminal controls, which reach the operator's terminal as escapes.
void Show(std::string_view text) { std::cout << omni::ForTerminal(text, omni::Newlines::kKeep); }

int Fail(const grpc::Status& status) {
  std::cerr << "omnictl: " << omni::ForTerminal(status.error_message()) << " (code " << status.error_code() << ")\n";
  return 1;
}

int Usage(const std::string& why) {
  std::cerr << "omnictl: " << why << "\n" << kUsage;
  return 2;
}

void PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  Show(json);
}

std::string Short(const std::string& s, size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "~"; }

int Agents(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ListAgentsResponse response;
  if (auto s = admin.ListAgents(&context, {}, &response); !s.ok()) return Fail(s);
  Show(absl::StrFormat("%-16s %-20s %-10s %8s %8s  %s\n", "AGENT", "PRESENCE", "CONNECTED", "ASSIGNED", "OFFERED",
                       "QUALITY"));
  for (const auto& a : response.agents()) {
    Show(absl::StrFormat("%-16s %-20s %-10s %8d %8d  %s\n", Short(a.agent().id(), 16),
                                 omnibroker::v1::Presence_Name(a.agent().presence()), a.connected() ? "yes" : "no",
                                 a.assigned_conversations(), a.offered_conversations(),
                                 omni::ctl::StandingLine(a.quality())));
  }
  return 0;
}

int Queue(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::QueueSnapshot response;
  if (auto s = admin.GetQueueSnapshot(&context, {}, &response); !s.ok()) return Fail(s);
  const int64_t now = response.taken_at().seconds();
  Show(absl::StrFormat("%-36s %-12s %-28s %8s %s\n", "CONVERSATION", "QUEUE", "STATE", "WAITED", "OFFERED TO"));
  for (const auto& e : response.entries()) {
    Show(absl::StrFormat("%-36s %-12s %-28s %7ds %s\n", e.conversation_id(), Short(e.queue(), 12),
                                 omnibroker::v1::ConversationState_Name(e.state()), now - e.queued_at().seconds(),
                                 e.offered_to_agent_id()));
  }
  return 0;
}

int Stats(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::FloorStats stats;
  if (auto s = admin.GetFloorStats(&context, {}, &stats); !s.ok()) return Fail(s);
  Show(omni::ctl::RenderFloor(stats));
  return 0;
}

// Redraws the floor from the top of the screen (ANSI home and clear) until interrupted, or for
// `iterations` frames.
int Top(Admin::Stub& admin, const std::vector<std::string>& args) {
  int interval = 2, iterations = 0;  // 0 = for ever
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--once") {
      iterations = 1;
    } else if ((args[i] == "--interval" || args[i] == "--iterations") && i + 1 < args.size()) {
      int& target = args[i] == "--interval" ? interval : iterations;
      if (!absl::SimpleAtoi(args[i + 1], &target) || target < 1) {
        return Usage(args[i] + " takes a whole number of at least 1, not " + args[i + 1]);
      }
      ++i;
    } else {
      return Usage("unknown top option " + args[i]);
    }
  }
  for (int frame = 0; iterations == 0 || frame < iterations; ++frame) {
    if (frame > 0) std::this_thread::sleep_for(std::chrono::seconds(interval));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(interval + 5));
    omnibroker::v1::FloorStats stats;
    if (auto s = admin.GetFloorStats(&context, {}, &stats); !s.ok()) return Fail(s);
    std::cout << "\x1b[H\x1b[2J";  // ours: home and clear
    Show(omni::ctl::RenderFloor(stats));
    std::cout << std::flush;
  }
  return 0;
}

int Conversation(Admin::Stub& admin, const std::string& id) {
  grpc::ClientContext context;
  omnibroker::v1::GetConversationRequest request;
  request.set_conversation_id(id);
  omnibroker::v1::Conversation response;
  if (auto s = admin.GetConversation(&context, request, &response); !s.ok()) return Fail(s);
  PrintJson(response);
  return 0;
}

int Explain(Admin::Stub& admin, const std::string& id) {
  grpc::ClientContext context;
  omnibroker::v1::ExplainRoutingRequest request;
  request.set_conversation_id(id);
  omnibroker::v1::RoutingExplanation why;
  if (auto s = admin.ExplainRouting(&context, request, &why); !s.ok()) return Fail(s);
  Show(absl::StrFormat("conversation %s  state %s  urgency %.0f\n", why.conversation_id(), why.state(),
                       why.urgency()));
  const auto& u = why.urgency_parts();
  Show(absl::StrFormat("urgency:  %.0f = tier %.0f + waited %.0f + priority %.0f + at risk %.0f\n", why.urgency(),
                               u.tier(), u.waited(), u.priority(), u.at_risk()));
  Show(absl::StrCat("phase:    ", why.phase(), "\n"));
  if (!why.hours().empty()) Show(absl::StrCat("hours:    ", why.hours(), "\n"));
  if (why.business_time()) Show(absl::StrCat("deadlines: in the business time of ", why.calendar(), "\n"));
  Show(absl::StrCat("decision: ", why.agent_id().empty() ? "-" : why.agent_id(), ": ", why.rule(), "\n"));
  Show(absl::StrFormat("%-16s %-8s %4s %8s %9s  %s\n", "AGENT", "ELIGIBLE", "FIT", "EFFORT", "LOAD/CAP", "VERDICT"));
  for (const auto& c : why.candidates()) {
    Show(absl::StrFormat("%-16s %-8s %4d %8.1f %5d/%-3d  %s\n", Short(c.agent_id(), 16), c.eligible() ? "yes" : "no",
                                 c.fit(), c.effort(), c.load(), c.capacity(), c.verdict()));
  }
  return 0;
}

int SetPolicy(Admin::Stub& admin, const omnibroker::v1::SetRoutingPolicyRequest& request) {
  grpc::ClientContext context;
  omnibroker::v1::RoutingPolicy policy;
  if (auto s = admin.SetRoutingPolicy(&context, request, &policy); !s.ok()) return Fail(s);
  PrintJson(policy);
  return 0;
}

int Policy(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.empty()) {
    grpc::ClientContext context;
    omnibroker::v1::RoutingPolicy policy;
    if (auto s = admin.GetRoutingPolicy(&context, {}, &policy); !s.ok()) return Fail(s);
    PrintJson(policy);
    return 0;
  }
  omnibroker::v1::SetRoutingPolicyRequest request;
  if (args.size() == 1 && args[0] == "reset") {
    request.set_back_to_config_file(true);
    return SetPolicy(admin, request);
  }
  if (args.size() != 2 || args[0] != "set") return Usage("policy takes nothing, reset, or: set <file.json | ->");
  std::stringstream text;
  if (args[1] == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(args[1]);
    if (!in) return Usage("cannot read " + args[1]);
    text << in.rdbuf();
  }
  if (auto s = google::protobuf::util::JsonStringToMessage(text.str(), request.mutable_policy()); !s.ok()) {
    std::cerr << "omnictl: the policy is not valid RoutingPolicy JSON: " << s.message() << "\n";
    return 2;
  }
  return SetPolicy(admin, request);
}

int Customer(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.empty()) return Usage("customer needs an id");
  if (args.size() == 1) {
    grpc::ClientContext context;
    omnibroker::v1::GetCustomerRequest request;
    request.set_customer_id(args[0]);
    omnibroker::v1::Customer customer;
    if (auto s = admin.GetCustomer(&context, request, &customer); !s.ok()) return Fail(s);
    PrintJson(customer);
    return 0;
  }
  omnibroker::v1::UpdateCustomerRequest request;
  request.set_customer_id(args[0]);
  for (size_t i = 1; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return Usage(args[i] + " needs a value");
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--tier") {
      omnibroker::v1::Tier tier;
      if (!omnibroker::v1::Tier_Parse("TIER_" + absl::AsciiStrToUpper(value), &tier)) {
        return Usage("--tier is standard, gold or vip, not " + value);
      }
      request.set_tier(tier);
    } else if (flag == "--flags") {
      request.set_set_flags(true);
      for (absl::string_view f : absl::StrSplit(value, ',', absl::SkipEmpty())) request.add_flags(std::string(f));
    } else if (flag == "--manager") {
      request.set_personal_manager_agent_id(value);
    } else if (flag == "--language") {
      request.set_preferred_language(value);
    } else {
      return Usage("unknown customer option " + flag);
    }
  }
  grpc::ClientContext context;
  omnibroker::v1::Customer customer;
  if (auto s = admin.UpdateCustomer(&context, request, &customer); !s.ok()) return Fail(s);
  PrintJson(customer);
  return 0;
}

int History(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.empty()) return Usage("history needs a customer id");
  omnibroker::v1::GetCustomerHistoryRequest request;
  request.set_customer_id(args[0]);
  request.set_page_size(50);
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--newest") {
      request.set_newest_first(true);
    } else if (args[i] == "--limit" && i + 1 < args.size()) {
      request.set_page_size(std::atoi(args[++i].c_str()));
    } else {
      return Usage("unknown history option " + args[i]);
    }
  }
  grpc::ClientContext context;
  omnibroker::v1::GetHistoryResponse page;
  if (auto s = admin.GetCustomerHistory(&context, request, &page); !s.ok()) return Fail(s);
  for (const auto& e : page.events()) {
    const char* who = e.direction() == omnibroker::v1::DIRECTION_INBOUND    ? "customer"
                      : e.direction() == omnibroker::v1::DIRECTION_INTERNAL ? "note"
                                                                            : "agent";
    // One line a message: the customer's own line breaks show as \n.
    Show(absl::StrFormat("%-10s %-36s #%-4d %-9s %s\n", e.provider(), e.conversation_id(), e.sequence(), who,
                         omni::ForTerminal(e.content().text())));
  }
  if (!page.next_page_token().empty()) std::cout << "(more: ask with a larger --limit)\n";
  return 0;
}

int Merge(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("merge needs <from customer> <into customer>");
  omnibroker::v1::MergeCustomersRequest request;
  request.set_from_customer_id(args[0]);
  request.set_into_customer_id(args[1]);
  request.set_requested_by(RequestedBy());
  request.set_reason(Words(args, 2));
  grpc::ClientContext context;
  omnibroker::v1::Customer customer;
  if (auto s = admin.MergeCustomers(&context, request, &customer); !s.ok()) return Fail(s);
  PrintJson(customer);
  return 0;
}

int Unmerge(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("unmerge needs one customer id");
  omnibroker::v1::UnmergeCustomerRequest request;
  request.set_customer_id(args[0]);
  request.set_requested_by(RequestedBy());
  grpc::ClientContext context;
  omnibroker::v1::Customer customer;
  if (auto s = admin.UnmergeCustomer(&context, request, &customer); !s.ok()) return Fail(s);
  PrintJson(customer);
  return 0;
}

int Erase(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("erase needs a customer id and a reason");
  omnibroker::v1::EraseCustomerRequest request;
  request.set_customer_id(args[0]);
  request.set_requested_by(RequestedBy());
  request.set_reason(Words(args, 1));
  grpc::ClientContext context;
  omnibroker::v1::AuditRecord record;
  if (auto s = admin.EraseCustomer(&context, request, &record); !s.ok()) return Fail(s);
  PrintJson(record);
  return 0;
}

int Audit(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ListAuditResponse audit;
  if (auto s = admin.ListAudit(&context, {}, &audit); !s.ok()) return Fail(s);
  PrintJson(audit);
  return 0;
}

int Revoke(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() < 3 || (args[0] != "token" && args[0] != "agent")) {
    return Usage("revoke needs: token <token id> <reason…>, or agent <agent id> <reason…>");
  }
  omnibroker::v1::RevokeTokensRequest request;
  if (args[0] == "token") {
    request.set_token_id(args[1]);
  } else {
    request.set_agent_id(args[1]);
  }
  request.set_requested_by(RequestedBy());
  request.set_reason(Words(args, 2));
  grpc::ClientContext context;
  omnibroker::v1::TokenRevocation revocation;
  if (auto s = admin.RevokeTokens(&context, request, &revocation); !s.ok()) return Fail(s);
  PrintJson(revocation);
  return 0;
}

int Revocations(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ListRevocationsResponse revocations;
  if (auto s = admin.ListRevocations(&context, {}, &revocations); !s.ok()) return Fail(s);
  PrintJson(revocations);
  return 0;
}

int RemoveAgent(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() < 2) return Usage("remove-agent needs an agent id and a reason");
  omnibroker::v1::RemoveAgentRequest request;
  request.set_agent_id(args[0]);
  request.set_requested_by(RequestedBy());
  request.set_reason(Words(args, 1));
  grpc::ClientContext context;
  omnibroker::v1::AuditRecord record;
  if (auto s = admin.RemoveAgent(&context, request, &record); !s.ok()) return Fail(s);
  PrintJson(record);
  return 0;
}

int Review(Admin::Stub& admin, const std::vector<std::string>& args) {
  const std::string verb = args.empty() ? "" : args[0];
  if (verb == "list") {
    omnibroker::v1::ListReviewsRequest request;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--scored") {
        request.set_state(omnibroker::v1::REVIEW_SCORED);
      } else if (args[i] == "--agent" && i + 1 < args.size()) {
        request.set_agent_id(args[++i]);
      } else if (args[i] == "--limit" && i + 1 < args.size()) {
        int limit = 0;
        if (!absl::SimpleAtoi(args[++i], &limit) || limit < 1) return Usage("--limit takes a whole number of at least 1");
        request.set_limit(limit);
      } else {
        return Usage("unknown review list option " + args[i]);
      }
    }
    grpc::ClientContext context;
    omnibroker::v1::ListReviewsResponse reviews;
    if (auto s = admin.ListReviews(&context, request, &reviews); !s.ok()) return Fail(s);
    Show(omni::ctl::RenderReviews(reviews, request.state() == omnibroker::v1::REVIEW_SCORED));
    return 0;
  }
  if (verb == "show" && args.size() >= 2) {
    omnibroker::v1::GetReviewRequest request;
    request.set_conversation_id(args[1]);
    request.set_page_size(200);
    for (size_t i = 2; i < args.size(); ++i) {
      int limit = 0;
      if (args[i] != "--limit" || i + 1 >= args.size() || !absl::SimpleAtoi(args[++i], &limit) || limit < 1) {
        return Usage("review show takes <conversation id> [--limit N]");
      }
      request.set_page_size(limit);
    }
    grpc::ClientContext context;
    omnibroker::v1::ReviewDetail detail;
    if (auto s = admin.GetReview(&context, request, &detail); !s.ok()) return Fail(s);
    Show(omni::ctl::RenderReview(detail));
    return 0;
  }
  if (verb == "score" && args.size() >= 3) {
    omnibroker::v1::ScoreReviewRequest request;
    request.set_conversation_id(args[1]);
    request.set_requested_by(RequestedBy());
    std::vector<std::string> words;
    for (size_t i = 2; i < args.size(); ++i) {
      if (args[i] == "--comment" && i + 1 < args.size()) {
        request.set_comment(args[++i]);
      } else {
        words.push_back(args[i]);
      }
    }
    auto answers = omni::ctl::ParseAnswers(words);
    if (!answers.ok()) return Usage(std::string(answers.status().message()));
    request.mutable_answers()->Add(answers->begin(), answers->end());
    grpc::ClientContext context;
    omnibroker::v1::ScoreReviewResponse scored;
    if (auto s = admin.ScoreReview(&context, request, &scored); !s.ok()) return Fail(s);
    Show(absl::StrFormat("%s scored %.1f%s\n%s: %s\n", scored.review().conversation_id(), scored.review().total(),
                         scored.review().counted() ? "" : " (not counted: work from before their re-certification)",
                         scored.review().agent_id(), omni::ctl::StandingSentence(scored.agent())));
    return 0;
  }
  if (verb == "recertify" && args.size() >= 3) {
    omnibroker::v1::RecertifyAgentRequest request;
    request.set_agent_id(args[1]);
    request.set_note(Words(args, 2));
    request.set_requested_by(RequestedBy());
    grpc::ClientContext context;
    omnibroker::v1::AgentQuality record;
    if (auto s = admin.RecertifyAgent(&context, request, &record); !s.ok()) return Fail(s);
    Show(absl::StrCat(record.agent_id(), ": ", omni::ctl::StandingSentence(record), "\n"));
    return 0;
  }
  return Usage(
      "review takes: list [--scored] [--agent ID] [--limit N], show <conversation id>, "
      "score <conversation id> <criterion>=<answer>… [--comment TEXT], recertify <agent id> <note…>");
}

int Tenants(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ListTenantsResponse tenants;
  if (auto s = admin.ListTenants(&context, {}, &tenants); !s.ok()) return Fail(s);
  Show(absl::StrFormat("%-24s %9s %-6s %6s %9s %6s\n", "TENANT", "PARTITION", "FROM", "AGENTS",
                       "CONNECTED", "OPEN"));
  for (const auto& t : tenants.tenants()) {
    Show(absl::StrFormat("%-24s %9d %-6s %6d %9d %6d\n", t.name(), t.partition(), t.added_by(),
                         t.agents(), t.agents_connected(), t.open_conversations()));
  }
  return 0;
}

int Cluster(Admin::Stub& admin) {
  grpc::ClientContext context;
  omnibroker::v1::ClusterStatus cluster;
  if (auto s = admin.GetClusterStatus(&context, {}, &cluster); !s.ok()) return Fail(s);
  if (cluster.broker_id().empty()) {
    Show("not in a cluster: every partition on this broker's own WAL\n");
    return 0;
  }
  Show(absl::StrFormat("broker %s\n%9s %-11s %-16s %6s %10s %10s  %s\n", cluster.broker_id(),
                       "PARTITION", "ROLE", "LEADER", "EPOCH", "APPLIED", "LOG END", "TENANTS"));
  for (const auto& p : cluster.partitions()) {
    const char* role = p.role() == omnibroker::v1::PartitionStatus::ROLE_LEADING ? "leading"
                       : p.role() == omnibroker::v1::PartitionStatus::ROLE_STANDING_BY
                           ? "standing-by"
                           : "alone";
    Show(absl::StrFormat("%9d %-11s %-16s %6d %10d %10d  %s\n", p.partition(), role,
                         p.leader().empty() ? "-" : p.leader(), p.epoch(), p.applied(),
                         p.log_last(), absl::StrJoin(p.tenants(), ",")));
    if (!p.problem().empty()) Show(absl::StrCat("          ", p.problem(), "\n"));
  }
  return 0;
}

int Tenant(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() < 3 || (args[0] != "add" && args[0] != "remove")) {
    return Usage("tenant add|remove needs a tenant name and a reason");
  }
  grpc::ClientContext context;
  omnibroker::v1::AuditRecord record;
  grpc::Status status;
  if (args[0] == "add") {
    omnibroker::v1::AddTenantRequest request;
    request.set_name(args[1]);
    request.set_requested_by(RequestedBy());
    request.set_reason(Words(args, 2));
    status = admin.AddTenant(&context, request, &record);
  } else {
    omnibroker::v1::RemoveTenantRequest request;
    request.set_name(args[1]);
    request.set_requested_by(RequestedBy());
    request.set_reason(Words(args, 2));
    status = admin.RemoveTenant(&context, request, &record);
  }
  if (!status.ok()) return Fail(status);
  PrintJson(record);
  return 0;
}

int Backup(Admin::Stub& admin, const std::vector<std::string>& args) {
  if (args.size() != 1) return Usage("backup needs one target directory");
  omnibroker::v1::BackupRequest request;
  request.set_target_dir(args[0]);
  grpc::ClientContext context;
  omnibroker::v1::BackupResult result;
  if (auto s = admin.Backup(&context, request, &result); !s.ok()) return Fail(s);
  Show(absl::StrCat("backup in ", result.target_dir(), "\n"));
  for (const auto& partition : result.partitions()) {
    Show(absl::StrCat("  partition ", partition.partition(), " in ", partition.target_dir(),
                      " (up to write ", partition.sequence(), ")\n"));
  }
  return 0;
}

// "8h", "30m", "90s", "7d" as seconds; 0 when malformed.
int64_t TtlSeconds(const std::string& text) {
  if (text.size() < 2) return 0;
  int64_t n;
  if (!absl::SimpleAtoi(text.substr(0, text.size() - 1), &n) || n <= 0) return 0;
  switch (text.back()) {
    case 's':
      return n;
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
  }
  return 0;
}

// `tenant`: the --tenant given before the command, if any.
int Token(const std::vector<std::string>& args, const std::string& tenant) {
  omni::auth::AgentClaims claims{.tenant = tenant};
  std::string secret_file;
  int64_t ttl = 0;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    if (flag == "--agent") {
      claims.agent_id = value;
    } else if (flag == "--tenant") {
      claims.tenant = value;
    } else if (flag == "--ttl") {
      if ((ttl = TtlSeconds(value)) == 0) return Usage("--ttl: a positive number with s, m, h or d");
    } else if (flag == "--role") {
      auto role = omni::auth::ParseRole(value);
      if (!role.ok()) return Usage(std::string(role.status().message()));
      claims.role = *role;
    } else if (flag == "--secret-file") {
      secret_file = value;
    } else {
      return Usage("token: unknown flag " + flag);
    }
  }
  if (args.size() % 2 != 0 || claims.agent_id.empty() || ttl == 0 || secret_file.empty()) {
    return Usage("token needs --agent, --ttl and --secret-file");
  }
  if (claims.role == omni::auth::Role::kOperator) {
    if (!claims.tenant.empty()) {
      return Usage("token: an operator's token is for every tenant; --tenant is named per call");
    }
    claims.tenant = omni::kAnyTenant;
  } else if (absl::Status name = omni::ValidateTenantName(claims.tenant, "--tenant"); !name.ok()) {
    return Usage(claims.tenant.empty() ? "token needs --tenant (the agent's tenant)"
                                       : std::string(name.message()));
  }
  auto secret = omni::auth::ReadTokenSecret("--secret-file", secret_file);
  if (!secret.ok()) {
    std::cerr << "omnictl: " << secret.status().message() << "\n";
    return 1;
  }
  claims = omni::auth::NewAgentClaims(claims.agent_id, claims.tenant, claims.role,
                                      omni::SystemClock::Get().Now(), std::chrono::seconds(ttl));
  // The token alone on stdout (for $(…) and files), first; what to revoke it by, for the record.
  std::cout << omni::auth::MintAgentToken(claims, *secret) << std::endl;
  std::cerr << "token id " << claims.token_id << " (" << claims.agent_id << ", "
            << omni::auth::RoleName(claims.role) << ", "
            << (claims.tenant == omni::kAnyTenant ? "every tenant" : "tenant " + claims.tenant)
            << "), expires "
            << google::protobuf::util::TimeUtil::ToString(omni::ToProto(claims.expires_at)) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string broker = "127.0.0.1:50051";
  omni::agent::SecurityFlags security;
  while (args.size() >= 2 && (args[0] == "--broker" || security.Take(args[0], args[1]))) {
    if (args[0] == "--broker") broker = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "token") return Token(rest, security.tenant);
  auto credentials = security.Credentials();
  auto token = security.Token();
  if (!credentials.ok() || !token.ok()) {
    std::cerr << "omnictl: " << (credentials.ok() ? token.status() : credentials.status()).message() << "\n";
    return 2;
  }
  if (!security.tenant.empty()) {
    if (absl::Status name = omni::ValidateTenantName(security.tenant, "--tenant"); !name.ok()) {
      return Usage(std::string(name.message()));
    }
  }
  auto admin =
      Admin::NewStub(omni::agent::AuthorizedChannel(broker, *credentials, *token, security.tenant));
  if (command == "agents") return Agents(*admin);
  if (command == "queue") return Queue(*admin);
  if (command == "stats" && rest.empty()) return Stats(*admin);
  if (command == "top") return Top(*admin, rest);
  if (command == "conversation" && rest.size() == 1) return Conversation(*admin, rest[0]);
  if (command == "explain" && rest.size() == 1) return Explain(*admin, rest[0]);
  if (command == "policy") return Policy(*admin, rest);
  if (command == "customer") return Customer(*admin, rest);
  if (command == "history") return History(*admin, rest);
  if (command == "merge") return Merge(*admin, rest);
  if (command == "unmerge") return Unmerge(*admin, rest);
  if (command == "backup") return Backup(*admin, rest);
  if (command == "erase") return Erase(*admin, rest);
  if (command == "audit") return Audit(*admin);
  if (command == "revoke") return Revoke(*admin, rest);
  if (command == "revocations" && rest.empty()) return Revocations(*admin);
  if (command == "remove-agent") return RemoveAgent(*admin, rest);
  if (command == "review") return Review(*admin, rest);
  if (command == "tenants" && rest.empty()) return Tenants(*admin);
  if (command == "tenant") return Tenant(*admin, rest);
  if (command == "cluster" && rest.empty()) return Cluster(*admin);
  return Usage("unknown command or wrong arguments: " + command);
}
