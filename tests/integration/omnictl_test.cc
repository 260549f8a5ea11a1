// omnictl, the real binary, against a real broker: it lists, explains, changes the policy and a
// customer, and fails with a clear message and exit status when the broker refuses.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "tests/support/broker_harness.h"
#include "tests/support/broker_process.h"
#include "tests/support/scorecards.h"
#include "tests/support/secured_broker.h"
#include "tests/support/test_support.h"

namespace omni {
namespace {

using omni::testing::TempDir;

struct Run {
  int status;
  std::string output;
};

// Runs omnictl with `args` (and `input` on stdin); stdout and stderr together.
Run Omnictl(const std::string& broker, const std::string& args, const std::string& input = "") {
  const std::string command = "printf '%s' '" + input + "' | " OMNICTL_BINARY " --broker " + broker + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

TEST(OmnictlTest, ListsExplainsAndChanges) {
  TempDir dir;
  app::BrokerApp broker(testing::TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const std::string address = broker.grpc_address();

  auto agents = Omnictl(address, "agents");
  EXPECT_EQ(agents.status, 0);
  EXPECT_NE(agents.output.find("alice"), std::string::npos) << agents.output;
  EXPECT_NE(agents.output.find("PRESENCE_OFFLINE"), std::string::npos);

  testing::Visitor ann(testing::WebChatPort(broker));
  ann.Register("Ann");
  auto [status, posted] = ann.Say("Здравствуйте, не проходит оплата");
  ASSERT_EQ(status, 202);
  const std::string conversation = posted["conversation_id"];
  auto queue = Omnictl(address, "queue");
  EXPECT_NE(queue.output.find(conversation), std::string::npos) << queue.output;

  auto why = Omnictl(address, "explain " + conversation);
  EXPECT_EQ(why.status, 0) << why.output;
  EXPECT_NE(why.output.find("state waiting"), std::string::npos) << why.output;
  EXPECT_NE(why.output.find("step 1 of 1: ru"), std::string::npos) << "the language was detected: " << why.output;
  EXPECT_NE(why.output.find("boris"), std::string::npos);
  EXPECT_NE(why.output.find("= tier 0 + waited "), std::string::npos) << "the urgency part by part: " << why.output;

  auto set = Omnictl(address, "policy set -", R"({"offer_timeout": "45s"})");
  EXPECT_EQ(set.status, 0) << set.output;
  EXPECT_NE(set.output.find("\"offer_timeout\": \"45s\""), std::string::npos) << set.output;
  auto invalid = Omnictl(address, "policy set -", R"({"offer_timeout": "0s"})");
  EXPECT_EQ(invalid.status, 1);
  EXPECT_NE(invalid.output.find("offer_timeout must be positive"), std::string::npos) << invalid.output;
  auto not_json = Omnictl(address, "policy set -", "offer_timeout: 45s");
  EXPECT_EQ(not_json.status, 2) << not_json.output;
  auto reset = Omnictl(address, "policy reset");
  EXPECT_EQ(reset.status, 0) << reset.output;
  EXPECT_NE(reset.output.find("\"offer_timeout\": \"20s\""), std::string::npos) << "the file's: " << reset.output;

  auto history = Omnictl(address, "history nobody");
  EXPECT_EQ(history.status, 1);
  EXPECT_NE(history.output.find("no customer 'nobody'"), std::string::npos) << history.output;
  EXPECT_EQ(Omnictl(address, "explain").status, 2);
  EXPECT_EQ(Omnictl(address, "customer x --tier platinum").status, 2);
}

TEST(OmnictlTest, SetsBusinessHoursAndExplainsThem) {
  TempDir dir;
  app::BrokerApp broker(testing::TestConfig(dir.path()));
  ASSERT_OK(broker.Start());
  const std::string address = broker.grpc_address();

  auto bad = Omnictl(address, "policy set -",
                     R"({"calendars": [{"name": "office", "time_zone": "Mars/Olympus",
                         "weekly": [{"days": ["mon"], "hours": ["09:00-17:00"]}]}]})");
  EXPECT_EQ(bad.status, 1) << bad.output;
  EXPECT_NE(bad.output.find("routing.calendars.office.time_zone: \"Mars/Olympus\" is not a time zone"), std::string::npos)
      << bad.output;
  auto overlap = Omnictl(address, "policy set -",
                         R"({"calendars": [{"name": "office", "time_zone": "UTC",
                             "weekly": [{"days": ["mon"], "hours": ["09:00-13:00", "12:00-17:00"]}]}]})");
  EXPECT_EQ(overlap.status, 1) << overlap.output;
  EXPECT_NE(overlap.output.find("routing.calendars.office.weekly.mon: 09:00-13:00 and 12:00-17:00 overlap"),
            std::string::npos) << overlap.output;

  // Open every day all day in Berlin: the web chat's queue ("default") names it, and standard
  // customers' deadlines count its business time.
  auto set = Omnictl(address, "policy set -",
                     R"({"tiers": [{"tier": "TIER_STANDARD", "business_time": true}],
                         "calendars": [{"name": "office", "time_zone": "Europe/Berlin",
                           "weekly": [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "hours": ["00:00-24:00"]}]}],
                         "queue_hours": [{"queue": "default", "calendar": "office"}]})");
  EXPECT_EQ(set.status, 0) << set.output;
  EXPECT_NE(set.output.find("\"time_zone\": \"Europe/Berlin\""), std::string::npos) << set.output;

  testing::Visitor ann(testing::WebChatPort(broker));
  ann.Register("Ann");
  auto [status, posted] = ann.Say("Hello");
  ASSERT_EQ(status, 202);
  auto why = Omnictl(address, "explain " + std::string(posted["conversation_id"]));
  EXPECT_EQ(why.status, 0) << why.output;
  EXPECT_NE(why.output.find("hours:    office (Europe/Berlin): open around the clock; after hours: keep waiting"),
            std::string::npos) << why.output;
  EXPECT_NE(why.output.find("deadlines: in the business time of office (Europe/Berlin)"), std::string::npos)
      << why.output;
}

// How often `needle` occurs in `haystack`.
size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// A customer's message carrying terminal controls (clear the screen, retitle the window, a C1
// CSI) reaches the operator's terminal as visible escapes, one line a message; before, omnictl
// printed it raw and the terminal obeyed it.
TEST(OmnictlTest, HistoryShowsACustomersControlCharactersAsEscapes) {
  TempDir dir;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker(testing::TestConfig(dir.path(), ingest));
  ASSERT_OK(broker.Start());
  testing::IngestPublisher publisher(ingest);
  auto hostile = testing::MessageFrom("m-1", "telegram", "t-1",
                                      "hi\x1b[2J\x1b]0;owned\x07\nsecond line \xc2\x9b" "31mred");
  hostile.mutable_sender()->set_display_name("Ann\xc2\x9b" "2J\x1b]0;x\x07");
  ASSERT_EQ(publisher.Publish(hostile).status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  testing::AdminClient admin(broker.grpc_address());
  std::string customer;
  ASSERT_TRUE(omni::testing::WaitFor([&] {
    grpc::ClientContext context;
    omnibroker::v1::QueueSnapshot snapshot;
    if (!admin->GetQueueSnapshot(&context, {}, &snapshot).ok() || snapshot.entries().empty()) return false;
    customer = admin.Conversation(snapshot.entries(0).conversation_id()).customer_id();
    return !customer.empty();
  }));

  auto history = Omnictl(broker.grpc_address(), "history " + customer);
  ASSERT_EQ(history.status, 0) << history.output;
  EXPECT_NE(history.output.find("hi\\u001b[2J\\u001b]0;owned\\u0007\\nsecond line \\u009b31mred"),
            std::string::npos)
      << history.output;
  EXPECT_EQ(history.output.find('\x1b'), std::string::npos);
  EXPECT_EQ(history.output.find('\x07'), std::string::npos);
  EXPECT_EQ(history.output.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(Count(history.output, "\n"), 1u) << "one line for the one message";

  auto customer_json = Omnictl(broker.grpc_address(), "customer " + customer);
  EXPECT_EQ(customer_json.status, 0) << customer_json.output;
  EXPECT_EQ(customer_json.output.find('\x1b'), std::string::npos) << "JSON is escaped too";
  EXPECT_EQ(customer_json.output.find("\xc2\x9b"), std::string::npos) << customer_json.output;
}

TEST(OmnictlTest, StatsAndTopShowTheFloor) {
  TempDir dir;
  FakeClock clock;
  const std::string ingest = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  app::BrokerApp broker(testing::TestConfig(dir.path(), ingest), clock);
  ASSERT_OK(broker.Start());
  const std::string address = broker.grpc_address();
  // One billing chat, answered by alice after 12 s (within the default 20 s target).
  testing::IngestPublisher publisher(ingest);
  auto chat = testing::MessageFrom("m-1", "telegram", "t-1", "Hello");
  chat.set_language("en");
  chat.mutable_routing()->set_queue("billing");
  ASSERT_EQ(publisher.Publish(chat).status(), omnibroker::v1::INGEST_STATUS_ACCEPTED);
  clock.Advance(std::chrono::seconds(12));
  auto alice = testing::AvailableAgent(broker, "alice");
  auto offer = testing::NextOffer(*alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE(alice->Accept(offer->offer_id()).ok());
  clock.Advance(std::chrono::seconds(60));  // alice has handled it for all of her minute

  auto stats = Omnictl(address, "stats");
  EXPECT_EQ(stats.status, 0) << stats.output;
  EXPECT_NE(stats.output.find("counts over the last 60 min"), std::string::npos) << stats.output;
  //          QUEUE WAIT LONGEST OFFERED ANSWERED ABANDONED  SL     ASA  AHT ABAND BREACH ESC
  EXPECT_NE(stats.output.find("billing             0       0s       1        1         0  100.0%    12s      -    0.0%      0    0"),
            std::string::npos)
      << stats.output;
  EXPECT_NE(stats.output.find("alice            AVAILABLE          yes          1/9   100.0%       0"), std::string::npos)
      << stats.output;
  EXPECT_NE(stats.output.find("boris            OFFLINE            no           0/9        -       0"), std::string::npos)
      << stats.output;
  EXPECT_EQ(Count(stats.output, "\x1b[2J"), 0u) << "one shot: no screen control";

  auto top = Omnictl(address, "top --once");
  EXPECT_EQ(top.status, 0) << top.output;
  EXPECT_TRUE(top.output.starts_with("\x1b[H\x1b[2J")) << "drawn from the top of a cleared screen";
  EXPECT_NE(top.output.find("100.0%    12s"), std::string::npos) << top.output;
  auto frames = Omnictl(address, "top --iterations 2 --interval 1");
  EXPECT_EQ(frames.status, 0) << frames.output;
  EXPECT_EQ(Count(frames.output, "\x1b[H\x1b[2J"), 2u);
  EXPECT_EQ(Count(frames.output, "QUEUE "), 2u);

  EXPECT_EQ(Omnictl(address, "top --interval 0").status, 2);
  EXPECT_EQ(Omnictl(address, "top --sometimes").status, 2);
  EXPECT_EQ(Omnictl(address, "stats billing").status, 2);
  alice->Close();
}

// omnictl token mints what the broker takes; with the CA, its certificate and an admin's token
// omnictl reaches a secured broker, and without a token it is told why not.
TEST(OmnictlTest, MintsATokenAndUsesItOverMutualTls) {
  testing::SecuredBroker secured;
  const std::string secret = (secured.dir() / "token.secret").string();
  auto minted = Omnictl(
      "unused", "token --agent ops --tenant default --ttl 1h --role admin --secret-file " + secret);
  ASSERT_EQ(minted.status, 0) << minted.output;
  const std::string token = minted.output.substr(0, minted.output.find('\n'));
  auto claims = auth::VerifyAgentToken(token, testing::kTestTokenSecret, SystemClock::Get().Now(),
                                       std::chrono::seconds(0), auth::kDefaultMaxTokenLifetime);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->agent_id, "ops");
  EXPECT_EQ(claims->role, auth::Role::kAdmin);
  EXPECT_EQ(claims->tenant, "default");
  EXPECT_EQ(claims->expires_at - claims->issued_at, std::chrono::hours(1));
  // What to revoke it by, on stderr.
  EXPECT_NE(minted.output.find("\ntoken id " + claims->token_id +
                               " (ops, admin, tenant default), expires "),
            std::string::npos)
      << minted.output;
  std::ofstream(secured.dir() / "ops.token") << token << "\n";

  const auto& certs = secured.certs();
  const std::string tls = "--ca " + certs.ca_cert.string() + " --cert " + certs.client_cert.string() + " --key " +
                          certs.client_key.string();
  auto agents = Omnictl(secured.broker().grpc_address(),
                        tls + " --token-file " + (secured.dir() / "ops.token").string() + " agents");
  EXPECT_EQ(agents.status, 0) << agents.output;
  EXPECT_NE(agents.output.find("alice"), std::string::npos) << agents.output;
  auto anonymous = Omnictl(secured.broker().grpc_address(), tls + " agents");
  EXPECT_EQ(anonymous.status, 1);
  EXPECT_NE(anonymous.output.find("agent token: missing"), std::string::npos) << anonymous.output;

  EXPECT_EQ(Omnictl("unused", "token --agent ops --ttl soon --secret-file " + secret).status, 2);
  EXPECT_EQ(Omnictl("unused", "token --agent ops --ttl 1h --role root --secret-file " + secret).status, 2);
  EXPECT_EQ(Omnictl("unused", "token --ttl 1h --secret-file " + secret).status, 2);
  auto no_tenant = Omnictl("unused", "token --agent ops --ttl 1h --secret-file " + secret);
  EXPECT_EQ(no_tenant.status, 2);
  EXPECT_NE(no_tenant.output.find("token needs --tenant"), std::string::npos) << no_tenant.output;
  auto bad_tenant =
      Omnictl("unused", "token --agent ops --tenant Acme --ttl 1h --secret-file " + secret);
  EXPECT_EQ(bad_tenant.status, 2);
  EXPECT_NE(bad_tenant.output.find("--tenant: 'Acme' is not a tenant name"), std::string::npos)
      << bad_tenant.output;
  EXPECT_EQ(
      Omnictl("unused", "token --agent ops --tenant '*' --ttl 1h --secret-file " + secret).status,
      2)
      << "\"*\" is an operator's";
  EXPECT_EQ(Omnictl("unused",
                    "token --agent olga --role operator --tenant default --ttl 1h "
                    "--secret-file " +
                        secret)
                .status,
            2)
      << "an operator's token names no one tenant";
  auto no_secret = Omnictl(
      "unused", "token --agent ops --tenant default --ttl 1h --secret-file /nonexistent/secret");
  EXPECT_EQ(no_secret.status, 1);
  EXPECT_NE(no_secret.output.find("--secret-file: cannot read '/nonexistent/secret'"), std::string::npos) << no_secret.output;
}

// omnictl revokes one token by its id, or an agent's tokens, and lists what is revoked.
TEST(OmnictlTest, RevokesTokens) {
  testing::SecuredBroker secured;
  const auto& certs = secured.certs();
  std::ofstream(secured.dir() / "ops.token") << testing::SecuredBroker::Token("ops", auth::Role::kAdmin) << "\n";
  const std::string flags = "--ca " + certs.ca_cert.string() + " --cert " + certs.client_cert.string() + " --key " +
                            certs.client_key.string() + " --token-file " + (secured.dir() / "ops.token").string();
  const std::string address = secured.broker().grpc_address();
  const std::string lost = testing::SecuredBroker::Token("alice");

  auto one = Omnictl(address, flags + " revoke token " + testing::SecuredBroker::TokenId(lost) + " laptop lost");
  EXPECT_EQ(one.status, 0) << one.output;
  EXPECT_NE(one.output.find("\"token_id\": \"" + testing::SecuredBroker::TokenId(lost) + "\""), std::string::npos)
      << one.output;
  EXPECT_NE(one.output.find("\"reason\": \"laptop lost\""), std::string::npos) << one.output;
  EXPECT_NE(one.output.find("\"requested_by\": \"ops\""), std::string::npos) << "the token's agent: " << one.output;
  auto all = Omnictl(address, flags + " revoke agent boris left the team");
  EXPECT_EQ(all.status, 0) << all.output;
  EXPECT_NE(all.output.find("\"issued_before\""), std::string::npos) << all.output;
  EXPECT_NE(all.output.find("\"tenant\": \"default\""), std::string::npos)
      << "boris of the admin's tenant: " << all.output;

  auto listed = Omnictl(address, flags + " revocations");
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find(testing::SecuredBroker::TokenId(lost)), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("\"agent_id\": \"boris\""), std::string::npos) << listed.output;
  EXPECT_EQ(testing::ConsoleStream(secured, "alice", lost).Ended().error_code(), grpc::StatusCode::UNAUTHENTICATED);

  EXPECT_EQ(Omnictl(address, flags + " revoke token tok_1").status, 2) << "no reason";
  EXPECT_EQ(Omnictl(address, flags + " revoke laptop tok_1 why").status, 2);
  auto refused = Omnictl(address, flags + " revoke agent '' why");
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_NE(refused.output.find("give exactly one"), std::string::npos) << refused.output;
}

// A platform operator's token, minted by omnictl for every tenant, and used with --tenant naming
// the tenant of each command; without one the broker says what is missing.
TEST(OmnictlTest, AnOperatorNamesTheTenantOfEachCommand) {
  testing::SecuredBroker secured;
  const std::string secret = (secured.dir() / "token.secret").string();
  auto minted =
      Omnictl("unused", "token --agent olga --role operator --ttl 1h --secret-file " + secret);
  ASSERT_EQ(minted.status, 0) << minted.output;
  const std::string token = minted.output.substr(0, minted.output.find('\n'));
  auto claims = auth::VerifyAgentToken(token, testing::kTestTokenSecret, SystemClock::Get().Now(),
                                       std::chrono::seconds(0), auth::kDefaultMaxTokenLifetime);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->role, auth::Role::kOperator);
  EXPECT_EQ(claims->tenant, "*");
  EXPECT_NE(minted.output.find(" (olga, operator, every tenant), expires "), std::string::npos)
      << minted.output;
  std::ofstream(secured.dir() / "olga.token") << token << "\n";
  const auto& certs = secured.certs();
  const std::string flags = "--ca " + certs.ca_cert.string() + " --cert " +
                            certs.client_cert.string() + " --key " + certs.client_key.string() +
                            " --token-file " + (secured.dir() / "olga.token").string();
  const std::string address = secured.broker().grpc_address();

  auto unnamed = Omnictl(address, flags + " agents");
  EXPECT_EQ(unnamed.status, 1) << unnamed.output;
  EXPECT_NE(unnamed.output.find("x-omni-tenant: an operator names the tenant the call acts for"),
            std::string::npos)
      << unnamed.output;
  auto named = Omnictl(address, flags + " --tenant default agents");
  EXPECT_EQ(named.status, 0) << named.output;
  EXPECT_NE(named.output.find("alice"), std::string::npos) << named.output;
  auto malformed = Omnictl(address, flags + " --tenant Default agents");
  EXPECT_EQ(malformed.status, 2) << malformed.output;
  EXPECT_NE(malformed.output.find("--tenant: 'Default' is not a tenant name"), std::string::npos)
      << malformed.output;
}

// omnictl removes an agent from the roster, and says what it takes.
TEST(OmnictlTest, RemovesAnAgent) {
  testing::SecuredBroker secured;
  const auto& certs = secured.certs();
  std::ofstream(secured.dir() / "ops.token") << testing::SecuredBroker::Token("ops", auth::Role::kAdmin) << "\n";
  const std::string flags = "--ca " + certs.ca_cert.string() + " --cert " + certs.client_cert.string() + " --key " +
                            certs.client_key.string() + " --token-file " + (secured.dir() / "ops.token").string();
  const std::string address = secured.broker().grpc_address();

  auto removed = Omnictl(address, flags + " remove-agent boris left the team");
  EXPECT_EQ(removed.status, 0) << removed.output;
  EXPECT_NE(removed.output.find("\"action\": \"remove_agent\""), std::string::npos) << removed.output;
  EXPECT_NE(removed.output.find("\"reason\": \"left the team\""), std::string::npos) << removed.output;
  auto agents = Omnictl(address, flags + " agents");
  EXPECT_EQ(agents.output.find("boris"), std::string::npos) << agents.output;
  EXPECT_NE(agents.output.find("alice"), std::string::npos) << agents.output;

  EXPECT_EQ(Omnictl(address, flags + " remove-agent alice").status, 2) << "no reason";
  auto unknown = Omnictl(address, flags + " remove-agent zoe why");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.output.find("no agent 'zoe' in the roster"), std::string::npos) << unknown.output;
}

// The review queue through omnictl: a reviewer lists, reads and scores; the supervisor sees the
// agent off routing in agents, stats and explain, and re-certifies them; the wrong role is told.
TEST(OmnictlTest, ReviewsScoresAndReCertifies) {
  testing::SecuredBroker secured(testing::ReviewEveryConversation);
  const auto& certs = secured.certs();
  auto as = [&](const std::string& who, auth::Role role) {
    const auto file = secured.dir() / (who + ".token");
    std::ofstream(file) << testing::SecuredBroker::Token(who, role) << "\n";
    return "--ca " + certs.ca_cert.string() + " --cert " + certs.client_cert.string() + " --key " +
           certs.client_key.string() + " --token-file " + file.string();
  };
  const std::string quinn = as("quinn", auth::Role::kQuality);
  const std::string sofia = as("sofia", auth::Role::kSupervisor);
  const std::string address = secured.broker().grpc_address();

  auto alice = secured.Agent("alice", testing::SecuredBroker::Token("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status();
  ASSERT_TRUE((*alice)->SetPresence(omnibroker::v1::PRESENCE_AVAILABLE).ok());
  testing::Visitor ann(testing::WebChatPort(secured.broker()));
  ann.Register("Ann");
  const std::string conversation = ann.Say("Hello, my order is late").second.value("conversation_id", "");
  auto offer = testing::NextOffer(**alice);
  ASSERT_TRUE(offer.has_value());
  ASSERT_TRUE((*alice)->Accept(offer->offer_id()).ok());
  ASSERT_TRUE((*alice)->SendText(conversation, "Checking it now.").ok());
  ASSERT_TRUE((*alice)->CloseConversation(conversation, "resolved").ok());

  auto listed = Omnictl(address, quinn + " review list");
  EXPECT_EQ(listed.status, 0) << listed.output;
  EXPECT_NE(listed.output.find(conversation), std::string::npos) << listed.output;
  EXPECT_NE(listed.output.find("share, short handle"), std::string::npos) << listed.output;
  auto shown = Omnictl(address, quinn + " review show " + conversation);
  EXPECT_EQ(shown.status, 0) << shown.output;
  EXPECT_NE(shown.output.find("scorecard support:"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("solution                 3-level       40"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("customer             Hello, my order is late"), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("agent's standing: no review scored yet"), std::string::npos) << shown.output;

  EXPECT_EQ(Omnictl(address, quinn + " review score " + conversation + " greeting=maybe").status, 2);
  auto by_supervisor = Omnictl(address, sofia + " review score " + conversation + " greeting=no solution=partly tone=no");
  EXPECT_EQ(by_supervisor.status, 1) << by_supervisor.output;
  EXPECT_NE(by_supervisor.output.find("Admin.ScoreReview is for role quality alone; sofia has role supervisor"),
            std::string::npos)
      << by_supervisor.output;
  auto scored = Omnictl(address, quinn + " review score " + conversation +
                                     " greeting=no solution=partly tone=n --comment 'no greeting'");
  EXPECT_EQ(scored.status, 0) << scored.output;
  EXPECT_NE(scored.output.find(conversation + " scored 28.6\nalice: off routing: average 28.6 of the last 1 review is below 45"),
            std::string::npos)
      << scored.output;

  auto agents = Omnictl(address, sofia + " agents");
  EXPECT_NE(agents.output.find("off routing (28.6)"), std::string::npos) << agents.output;
  auto stats = Omnictl(address, sofia + " stats");
  EXPECT_NE(stats.output.find("quality:\n  alice: off routing, average 28.6 of the last 1 review is below 45"),
            std::string::npos)
      << stats.output;
  testing::Visitor bob(testing::WebChatPort(secured.broker()));
  bob.Register("Bob");
  const std::string waiting = bob.Say("Where is my refund?").second.value("conversation_id", "");
  ASSERT_TRUE(testing::WaitFor([&] { return Omnictl(address, sofia + " explain " + waiting).output.find("off routing for quality") != std::string::npos; }))
      << Omnictl(address, sofia + " explain " + waiting).output;

  auto by_reviewer = Omnictl(address, quinn + " review recertify alice coached");
  EXPECT_EQ(by_reviewer.status, 1) << by_reviewer.output;
  EXPECT_NE(by_reviewer.output.find("Admin.RecertifyAgent needs role supervisor"), std::string::npos) << by_reviewer.output;
  auto recertified = Omnictl(address, sofia + " review recertify alice coached on refunds");
  EXPECT_EQ(recertified.status, 0) << recertified.output;
  EXPECT_NE(recertified.output.find("alice: good: re-certified by sofia: coached on refunds"), std::string::npos)
      << recertified.output;
  auto done = Omnictl(address, quinn + " review list --scored");
  EXPECT_NE(done.output.find("28.6  quinn"), std::string::npos) << done.output;
}

}  // namespace
}  // namespace omni
