#include "connectors/webchat/stream_tickets.h"

#include <gtest/gtest.h>

#include <set>

namespace omni::connectors::webchat {
namespace {

using namespace std::chrono_literals;

const TimePoint kNow = TimePoint{} + std::chrono::hours(500000);

TEST(StreamTicketsTest, ATicketWorksOnceAndOnlyForItsVisitor) {
  StreamTickets tickets(30s, 100, 4);
  auto ticket = tickets.Issue({"v_ann", kNow + 24h}, kNow);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_EQ(ticket->size(), 32u);  // 128 random bits, hex
  auto grant = tickets.Redeem(*ticket, kNow + 29s);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->visitor_id, "v_ann");
  EXPECT_EQ(grant->token_expires_at, kNow + 24h);
  auto again = tickets.Redeem(*ticket, kNow + 29s);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(again.status().message(),
            "stream ticket unknown, used or expired; get a new one with POST /v1/stream-tickets");
}

TEST(StreamTicketsTest, ATicketExpires) {
  StreamTickets tickets(30s, 100, 4);
  auto ticket = tickets.Issue({"v_ann", kNow + 24h}, kNow);
  ASSERT_TRUE(ticket.ok());
  EXPECT_FALSE(tickets.Redeem(*ticket, kNow + 30s).ok());
  EXPECT_FALSE(tickets.Redeem("", kNow).ok());
  EXPECT_FALSE(tickets.Redeem("not-a-ticket", kNow).ok());
}

TEST(StreamTicketsTest, TicketsAreBoundedPerVisitorAndInAll) {
  StreamTickets tickets(30s, 5, 2);
  std::set<std::string> issued;
  for (int i = 0; i < 2; ++i) issued.insert(*tickets.Issue({"v_a", kNow + 24h}, kNow));
  auto third = tickets.Issue({"v_a", kNow + 24h}, kNow);
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(third.status().message(),
            "this visitor holds 2 unused stream tickets; use one or wait 30 s");
  for (const char* visitor : {"v_b", "v_c", "v_d"}) {
    auto ticket = tickets.Issue({visitor, kNow + 24h}, kNow);
    ASSERT_TRUE(ticket.ok()) << visitor;
    issued.insert(*ticket);
  }
  EXPECT_EQ(issued.size(), 5u);  // all different
  auto full = tickets.Issue({"v_e", kNow + 24h}, kNow);
  EXPECT_EQ(full.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(full.status().message(), "all 5 stream tickets of the web chat are out");
  // Used or expired tickets make room.
  ASSERT_TRUE(tickets.Redeem(*issued.begin(), kNow).ok());
  EXPECT_TRUE(tickets.Issue({"v_e", kNow + 24h}, kNow).ok());
  EXPECT_TRUE(tickets.Issue({"v_a", kNow + 24h}, kNow + 30s).ok());
}

}  // namespace
}  // namespace omni::connectors::webchat
