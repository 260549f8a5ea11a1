// The routing properties at the broker level, through its real interfaces: the omnibroker binary
// on a temp data dir serving two tenants in two partitions (its default tenant with the demo
// roster, and globex with one of the same agent ids; alice, boris, chen: chat capacity 3 each) and
// short timers, a seeded random loop where customers of both write in (connector SDK over tcp),
// agents (agent SDK) go available, away and offline, accept, decline or ignore offers, reply and
// close, and every 20-40 steps the broker is killed with SIGKILL and started again on the same
// data dir. After every step, as seen from the outside, in each tenant:
//   - no conversation is assigned to two agents at once (Admin: at most one open assignment; the
//     agents: an Accept that succeeded for one agent is not also successful for another while the
//     first still holds the conversation);
//   - none is lost (every acknowledged conversation exists, and is closed by the test, or
//     waiting or offered in the queue, or assigned to an agent);
//   - no agent holds more assigned conversations than their chat capacity;
//   - no conversation is offered to, held by or listed for the other tenant.
// The engine-level counterpart, with crashes the test simulates, is
// tests/broker/routing/routing_property_test.cc.
// OMNI_ROUTING_SEED=N runs seed N only. A failure names its seed and step, and keeps the broker's
// log and the test's journal in $TMPDIR/routing-crash-property-seed<N>-<pid>/.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"

namespace omni {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::Conversation;
using omnibroker::v1::Presence;
using testing::WaitFor;

constexpr int kSteps = 200;
const char* const kAgents[] = {"alice", "boris", "chen"};
// Partitions 15 and 10, by the hash of their names.
const char* const kTenants[] = {"default", "globex"};

// Short timers so that offers time out, silent agents lose their conversations and logged-out
// agents' work returns to the queue within a run; no ramp-up, so capacities fill.
constexpr char kConfig[] = R"(routing:
  offer_timeout: 1s
  decline_cooldown: 1s
  reply_timeout: 3s
  presence_grace: 2s
  ramp_step: 0s
tenants:
  - name: globex
    routing: {offer_timeout: 1s, decline_cooldown: 1s, reply_timeout: 3s, presence_grace: 2s,
              ramp_step: 0s}
    agents:
      - {id: alice, languages: [en], skills: [{name: support, proficiency: 8}],
         capacity: [{channel: CHANNEL_CHAT, max_concurrent: 3}]}
      - {id: boris, languages: [en], skills: [{name: support, proficiency: 6}],
         capacity: [{channel: CHANNEL_CHAT, max_concurrent: 3}]}
      - {id: chen, languages: [en], skills: [{name: support, proficiency: 7}],
         capacity: [{channel: CHANNEL_CHAT, max_concurrent: 3}]}
)";

// One agent as the test sees it: their console (none while logged out) and the conversations
// they accepted and were not told since that they lost.
struct Agent {
  std::string tenant;
  std::string id;
  std::string who() const { return tenant + "/" + id; }
  std::unique_ptr<agent::AgentClient> client;
  std::set<std::string> held;
  std::set<std::string> silent;  // accepted and never answered: the broker takes them back
  std::vector<omnibroker::v1::Offer> offers;  // received, not yet answered, revoked or expired
  std::vector<std::string> given;  // told assigned by the broker (after a reconnect), to check
};

class RoutingCrashPropertyTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "omnibroker.yaml") << kConfig;
    grpc_address_ = "127.0.0.1:" + std::to_string(testing::FreePort());
    ingest_endpoint_ = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
    // Reconnect at once: gRPC's default backoff (1 s and growing) would make every restart wait.
    grpc::ChannelArguments quick;
    quick.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 20);
    quick.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 20);
    quick.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 100);
    admin_ = omnibroker::v1::Admin::NewStub(
        grpc::CreateCustomChannel(grpc_address_, grpc::InsecureChannelCredentials(), quick));
    for (const char* tenant : kTenants) {
      for (const char* id : kAgents) agents_.push_back(Agent{.tenant = tenant, .id = id});
    }
  }
  void TearDown() override {
    for (auto& a : agents_) a.client.reset();
    publisher_.reset();
    if (broker_ && HasFailure()) {
      // The evidence outlives the temp dir: the broker's log, whole once it stopped, and what
      // the test did and saw.
      broker_->Stop(SIGTERM);
      const auto kept = std::filesystem::temp_directory_path() /
                        ("routing-crash-property-seed" + std::to_string(GetParam()) + "-" +
                         std::to_string(getpid()));
      std::filesystem::create_directories(kept);
      std::filesystem::copy_file(dir_.path() / "broker.log", kept / "broker.log",
                                 std::filesystem::copy_options::overwrite_existing);
      std::ofstream journal(kept / "journal.txt");
      for (const auto& line : journal_) journal << line;
      std::cout << "the broker's log and the test's journal are kept in " << kept << "\n";
    } else if (broker_) {
      broker_->Stop(SIGKILL);
    }
  }

  std::string Log() { return testing::ReadFile(dir_.path() / "broker.log"); }

  void StartBroker() {
    broker_ = std::make_unique<testing::BrokerProcess>(
        OMNI_BROKER_BINARY, dir_.path(),
        std::vector<std::string>{"--config=" + (dir_.path() / "omnibroker.yaml").string(),
                                 "--grpc-listen=" + grpc_address_, "--no-webchat",
                                 "--ingest-listen=" + ingest_endpoint_});
    // Probed on a new channel each time: a channel that tried while the broker was still coming
    // up can stay stuck in a handshake for seconds.
    ASSERT_TRUE(WaitFor(
        [&] {
          auto probe = omnibroker::v1::Admin::NewStub(
              grpc::CreateChannel(grpc_address_, grpc::InsecureChannelCredentials()));
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + 200ms);
          omnibroker::v1::ListAgentsResponse response;
          return probe->ListAgents(&context, {}, &response).ok();
        },
        20s))
        << Log();
    ASSERT_TRUE(WaitFor([&] { return ListAgents().has_value(); }, 20s));
  }

  // Admin acting for `tenant` (dev mode: the broker takes the tenant the call names).
  static void For(grpc::ClientContext& context, const std::string& tenant) {
    context.AddMetadata("x-omni-tenant", tenant);
  }

  std::optional<omnibroker::v1::ListAgentsResponse> ListAgents(
      const std::string& tenant = kTenants[0]) {
    grpc::ClientContext context;
    For(context, tenant);
    context.set_deadline(std::chrono::system_clock::now() + 1s);
    omnibroker::v1::ListAgentsResponse response;
    if (!admin_->ListAgents(&context, {}, &response).ok()) return std::nullopt;
    return response;
  }

  // A new customer's first message, or another message on a conversation still open.
  void CustomerWrites(const std::string& tenant, const std::string& handle) {
    auto event =
        testing::MessageFrom("e" + std::to_string(++events_), "loadgen", handle, "message");
    event.set_channel(omnibroker::v1::CHANNEL_CHAT);
    event.set_tenant(tenant);
    const auto ack = publisher_->Publish(event);
    ASSERT_EQ(ack.status(), omnibroker::v1::INGEST_STATUS_ACCEPTED) << ack.ShortDebugString();
    acknowledged_.insert(ack.conversation_id());
    const auto [known, first] = tenant_of_.try_emplace(ack.conversation_id(), tenant);
    EXPECT_EQ(known->second, tenant) << ack.conversation_id() << " of two tenants";
    handle_of_[ack.conversation_id()] = handle;
  }

  void Connect(Agent& a) {
    auto client =
        agent::AgentClient::Connect({.target = grpc_address_,
                                     .agent_id = a.id,
                                     .tenant = a.tenant,
                                     .reconnect = {.initial_backoff = 20ms, .max_backoff = 200ms}});
    ASSERT_TRUE(client.ok()) << a.who() << ": " << client.status();
    a.client = std::move(client).value();
    for (const auto& assigned : a.client->login().assigned())
      Given(a, assigned.conversation().id(), "login");
  }

  // Takes what the agent's console received so far.
  void Drain(Agent& a) {
    if (!a.client) return;
    while (auto update = a.client->Next(0ms)) {
      if (update->has_offer()) a.offers.push_back(update->offer());
      if (update->has_offer_revoked()) {
        std::erase_if(a.offers, [&](const auto& o) {
          return o.offer_id() == update->offer_revoked().offer_id();
        });
      }
      if (update->has_closed()) {
        a.held.erase(update->closed().conversation_id());
        Note(a.who() + " told " + update->closed().conversation_id() +
             " closed: " + update->closed().reason());
        if (update->closed().reason() != "closed") ++taken_back_;  // not their own close
      }
      if (update->has_assigned()) Given(a, update->assigned().conversation().id(), "assigned");
      if (update->has_connection() && update->connection().has_login()) {
        for (const auto& assigned : update->connection().login().assigned()) {
          Given(a, assigned.conversation().id(), "login after a reconnect");
        }
      }
    }
  }

  // The broker told `a` they hold `conversation`: so they do, until told otherwise (in order: a
  // close may follow in the same drain); whether someone else still holds it is checked later.
  void Given(Agent& a, const std::string& conversation, const std::string& how) {
    a.held.insert(conversation);
    a.given.push_back(conversation);
    Note(a.who() + " told " + conversation + " assigned (" + how + ")");
  }

  // What the test did and saw, for a failure's message.
  void Note(const std::string& line) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start_);
    journal_.push_back("  " + std::to_string(ms.count()) + " ms, step " + std::to_string(step_) +
                       ": " + line + "\n");
  }
  std::string Journal(const std::string& conversation) {
    std::string out;
    for (const auto& line : journal_) {
      if (line.find(conversation) != std::string::npos || line.find("broker") != std::string::npos)
        out += line;
    }
    return out;
  }

  // `a` holds `conversation` now (its Accept succeeded, or the broker said so): nobody else may
  // still hold it. Another agent who held it must be told they lost it, soon (if their console
  // is reconnecting to a restarted broker, once it caught up).
  void NobodyElseHolds(Agent& a, const std::string& conversation) {
    for (auto& other : agents_) {
      if (&other == &a || !other.held.contains(conversation)) continue;
      const bool released = WaitFor(
          [&] {
            Drain(other);
            return !other.held.contains(conversation);
          },
          5s);
      EXPECT_TRUE(released) << "step " << step_ << ": " << conversation << " taken by " << a.who()
                            << " while " << other.who() << " still holds it; what the test saw:\n"
                            << Journal(conversation);
      if (!released) other.held.erase(conversation);  // reported once
    }
  }

  void Answer(Agent& a, std::mt19937& rng) {
    auto offers = std::exchange(a.offers, {});
    for (const auto& offer : offers) {
      const int choice = rng() % 100;
      if (choice < 70) {
        auto accepted = a.client->Accept(offer.offer_id());
        if (accepted.ok()) {
          Note(a.who() + " accepted " + *accepted + " (offer " + offer.offer_id() + ")");
          ++accepts_;
          ++accepts_in_[a.tenant];
          EXPECT_EQ(tenant_of_[*accepted], a.tenant) << *accepted << " accepted by " << a.who();
          if (auto [last, first] = last_acceptor_.try_emplace(*accepted, a.who()); !first) {
            if (last->second != a.who()) ++handovers_;
            last->second = a.who();
          }
          NobodyElseHolds(a, *accepted);
          a.held.insert(*accepted);
          if (rng() % 100 < 30) a.silent.insert(*accepted);
        }
      } else if (choice < 85) {
        (void)a.client->Decline(offer.offer_id(), "busy");
      }  // else it is left to time out
    }
    for (auto given = std::exchange(a.given, {}); const auto& id : given) NobodyElseHolds(a, id);
  }

  void Work(Agent& a, std::mt19937& rng) {
    std::vector<std::string> answered;
    std::ranges::set_difference(a.held, a.silent, std::back_inserter(answered));
    if (answered.empty()) return;
    const std::string id = answered[rng() % answered.size()];
    if (rng() % 100 < 70) {
      (void)a.client->SendText(id, "on it");  // fails if it was taken back meanwhile: fine
      return;
    }
    const auto closed = a.client->CloseConversation(id, "resolved");
    Note(a.who() + " closed " + id + ": " + closed.ToString());
    if (closed.ok() || absl::IsDeadlineExceeded(closed))
      closed_.insert(id);  // the latter: maybe applied
    if (closed.ok()) a.held.erase(id);
  }

  void SetPresence(Agent& a, Presence presence) {
    if (presence == omnibroker::v1::PRESENCE_OFFLINE) {
      // Logged out: the console is gone, and with it what the test knows the agent holds (their
      // conversations wait out the broker's grace period, then queue again).
      std::string held;
      for (const auto& id : a.held) held += " " + id;
      Note(a.who() + " logged out, holding" + held);
      a.client.reset();
      a.held.clear();
      a.silent.clear();
      a.offers.clear();
      a.given.clear();
      return;
    }
    if (!a.client) Connect(a);
    if (a.client)
      Note(a.who() + " sets " + omnibroker::v1::Presence_Name(presence) + ": " +
           a.client->SetPresence(presence).ToString());
  }

  void KillAndRestart(std::mt19937& rng) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));  // timers mid-flight
    ASSERT_TRUE(WIFSIGNALED(broker_->Stop(SIGKILL)));
    broker_.reset();
    ++restarts_;
    Note("broker killed and started again");
    StartBroker();
    for (auto& a : agents_) {
      if (!a.client) continue;
      ASSERT_TRUE(WaitFor([&] { return a.client->connected(); }, 10s))
          << a.who() << " never reconnected";
    }
  }

  // The properties, from Admin acting for each tenant.
  void Check() {
    for (const char* tenant : kTenants) ASSERT_NO_FATAL_FAILURE(Check(tenant));
  }
  void Check(const std::string& tenant) {
    const std::string at = "step " + std::to_string(step_) + ", after " +
                           std::to_string(restarts_) + " restarts, tenant " + tenant + ": ";
    std::map<std::string, Conversation> all;  // the open ones, then the acknowledged closed ones
    {
      grpc::ClientContext context;
      For(context, tenant);
      omnibroker::v1::ListConversationsResponse response;
      const auto status = admin_->ListConversations(&context, {}, &response);
      ASSERT_TRUE(status.ok()) << status.error_message();
      for (auto& c : *response.mutable_conversations()) {
        EXPECT_EQ(tenant_of_[c.id()], tenant) << at << c.id() << " listed for the other tenant";
        all[c.id()] = std::move(c);
      }
    }
    // Taken after the list: a conversation listed waiting or offered leaves the queue only by an
    // Accept or a close, and the test makes neither meanwhile.
    std::set<std::string> queued;
    {
      grpc::ClientContext context;
      For(context, tenant);
      omnibroker::v1::QueueSnapshot snapshot;
      const auto status = admin_->GetQueueSnapshot(&context, {}, &snapshot);
      ASSERT_TRUE(status.ok()) << status.error_message();
      for (const auto& e : snapshot.entries()) queued.insert(e.conversation_id());
    }
    const auto roster = ListAgents(tenant);
    ASSERT_TRUE(roster.has_value());
    // Not listed as open: closed (read from the store), or gone.
    for (const auto& id : acknowledged_) {
      if (all.contains(id) || tenant_of_[id] != tenant) continue;
      grpc::ClientContext context;
      For(context, tenant);
      omnibroker::v1::GetConversationRequest request;
      request.set_conversation_id(id);
      Conversation c;
      const auto status = admin_->GetConversation(&context, request, &c);
      EXPECT_TRUE(status.ok()) << at << "acknowledged conversation " << id
                               << " is gone: " << status.error_message();
      if (status.ok()) all[id] = std::move(c);
    }

    std::map<std::string, int> assigned;  // agent -> conversations in state assigned
    for (const auto& [id, c] : all) {
      int open = 0;
      for (const auto& a : c.assignments()) open += a.has_ended_at() ? 0 : 1;
      EXPECT_LE(open, 1) << at << id
                         << " is assigned to two agents at once: " << c.ShortDebugString();
      switch (c.state()) {
        case omnibroker::v1::CONVERSATION_STATE_QUEUED:
        case omnibroker::v1::CONVERSATION_STATE_OFFERED:
          EXPECT_TRUE(queued.contains(id))
              << at << id << " is stuck outside the queue with no agent: " << c.ShortDebugString();
          break;
        case omnibroker::v1::CONVERSATION_STATE_ASSIGNED:
          EXPECT_FALSE(c.assigned_agent_id().empty()) << at << c.ShortDebugString();
          EXPECT_EQ(open, 1) << at << c.ShortDebugString();
          if (open == 1)
            EXPECT_EQ(c.assignments().rbegin()->agent_id(), c.assigned_agent_id()) << at << id;
          ++assigned[c.assigned_agent_id()];
          break;
        case omnibroker::v1::CONVERSATION_STATE_CLOSED:
          EXPECT_EQ(open, 0) << at << c.ShortDebugString();
          EXPECT_TRUE(closed_.contains(id))
              << at << id << " closed by no one: " << c.ShortDebugString();
          break;
        default:
          ADD_FAILURE() << at << id << " in an unexpected state: " << c.ShortDebugString();
      }
    }
    for (const auto& status : roster->agents()) {
      int capacity = 0;
      for (const auto& c : status.agent().capacity()) {
        if (c.channel() == omnibroker::v1::CHANNEL_CHAT) capacity = c.max_concurrent();
      }
      const std::string& id = status.agent().id();
      EXPECT_LE(assigned[id], capacity) << at << id << " holds more than their chat capacity";
      if (capacity > 0 && assigned[id] == capacity) ++full_;
      EXPECT_LE(status.assigned_conversations(), capacity) << at << id << " (ListAgents)";
    }
  }

  testing::TempDir dir_;
  std::string grpc_address_;
  std::string ingest_endpoint_;
  std::unique_ptr<omnibroker::v1::Admin::Stub> admin_;
  std::unique_ptr<testing::BrokerProcess> broker_;
  std::unique_ptr<testing::IngestPublisher> publisher_;
  std::vector<Agent> agents_;
  std::set<std::string> acknowledged_;            // conversations of acknowledged events
  std::map<std::string, std::string> handle_of_;  // conversation -> its customer's handle
  std::map<std::string, std::string> tenant_of_;  // conversation -> its tenant
  std::set<std::string> closed_;                  // closed by an agent (or maybe, on a timeout)
  int events_ = 0;
  int step_ = 0;
  int restarts_ = 0;
  // How much of what the properties are about happened (a run where none did proves little).
  int accepts_ = 0;
  std::map<std::string, int> accepts_in_;  // by tenant
  int handovers_ = 0;   // accepted by one agent after another had accepted it
  int taken_back_ = 0;  // consoles told a conversation is theirs no more (not by their own close)
  int full_ = 0;        // checks that found an agent at their capacity
  std::map<std::string, std::string> last_acceptor_;  // conversation -> tenant/id who took it last
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::vector<std::string> journal_;
};

TEST_P(RoutingCrashPropertyTest, NoDoubleAssignmentNoLossNoOverCapacityAcrossKills) {
  const uint32_t seed = GetParam();
  // Flushed now: a forked broker would write out what is still buffered again.
  std::cout << "seed " << seed << " (OMNI_ROUTING_SEED=" << seed << " runs it alone)" << std::endl;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  ASSERT_NO_FATAL_FAILURE(StartBroker());
  publisher_ = std::make_unique<testing::IngestPublisher>(ingest_endpoint_);
  for (auto& a : agents_)
    ASSERT_NO_FATAL_FAILURE(SetPresence(a, omnibroker::v1::PRESENCE_AVAILABLE));

  int next_kill = 20 + rng() % 21;
  int customers = 0;
  for (step_ = 1; step_ <= kSteps && !HasFailure(); ++step_) {
    Agent& a = agents_[rng() % agents_.size()];
    const int action = rng() % 100;
    if (action < 30) {
      // The same customer handles in both tenants: two customers, never one.
      const char* tenant = kTenants[rng() % std::size(kTenants)];
      ASSERT_NO_FATAL_FAILURE(
          CustomerWrites(tenant, "customer-" + std::to_string(++customers / 2)));
    } else if (action < 40) {
      std::vector<std::string> open;
      for (const auto& id : acknowledged_) {
        if (!closed_.contains(id)) open.push_back(id);
      }
      if (!open.empty()) {
        const std::string& id = open[rng() % open.size()];
        ASSERT_NO_FATAL_FAILURE(CustomerWrites(tenant_of_[id], handle_of_[id]));
      }
    } else if (action < 55) {
      const Presence presences[] = {
          omnibroker::v1::PRESENCE_AVAILABLE, omnibroker::v1::PRESENCE_AVAILABLE,
          omnibroker::v1::PRESENCE_AWAY, omnibroker::v1::PRESENCE_OFFLINE};
      ASSERT_NO_FATAL_FAILURE(SetPresence(a, presences[rng() % 4]));
    } else {
      for (auto& each : agents_) {
        Drain(each);
        if (each.client) Work(each, rng);
      }
    }
    // Let the broker's timers run a little, then every console answers what it got.
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 100));
    for (auto& each : agents_) {
      Drain(each);
      if (each.client) Answer(each, rng);
    }
    if (step_ == next_kill) {
      ASSERT_NO_FATAL_FAILURE(KillAndRestart(rng));
      next_kill += 20 + rng() % 21;
    }
    ASSERT_NO_FATAL_FAILURE(Check());
  }
  std::cout << "seed " << seed << ": " << step_ - 1 << " steps, " << restarts_ << " restarts, "
            << acknowledged_.size() << " conversations, " << closed_.size() << " closed, "
            << accepts_ << " accepts, " << handovers_ << " handed over, " << taken_back_
            << " taken back, " << full_ << " times an agent at capacity\n";
  for (const char* tenant : kTenants) {
    EXPECT_GT(accepts_in_[tenant], 0)
        << "tenant " << tenant << " took no work: its partition was not tried";
  }
}

std::vector<uint32_t> Seeds() {
  if (const char* env = std::getenv("OMNI_ROUTING_SEED"))
    return {static_cast<uint32_t>(std::strtoul(env, nullptr, 10))};
  return {1, 2};
}

INSTANTIATE_TEST_SUITE_P(Seeds, RoutingCrashPropertyTest, ::testing::ValuesIn(Seeds()),
                         [](const auto& info) { return "seed" + std::to_string(info.param); });

}  // namespace
}  // namespace omni
