#include "broker/store/keys.h"

#include <gtest/gtest.h>

namespace omni::store {
namespace {

TEST(KeysTest, EventKeysSortBySequence) {
  // Big-endian: 255 < 256 byte-wise as well as numerically.
  EXPECT_LT(EventKey("c1", 255), EventKey("c1", 256));
  EXPECT_LT(EventKey("c1", 1), EventKey("c1", 1ull << 40));
  EXPECT_EQ(EventKey("c1", 7).substr(0, EventPrefix("c1").size()), EventPrefix("c1"));
}

TEST(KeysTest, PrefixDoesNotMatchLongerConversationIds) {
  EXPECT_NE(EventKey("c10", 1).substr(0, EventPrefix("c1").size()), EventPrefix("c1"));
}

TEST(KeysTest, SequenceRoundTrips) {
  for (uint64_t s : {1ull, 255ull, 256ull, 1ull << 33, ~0ull}) {
    EXPECT_EQ(SequenceOfEventKey(EventKey("conv", s)), s);
  }
  EXPECT_EQ(SequenceOfEventKey("short"), std::nullopt);
  EXPECT_EQ(SequenceOfEventKey("conversation-without-separator"), std::nullopt);
}

TEST(KeysTest, PartsCannotRunTogether) {
  // ("a", "bc") and ("ab", "c") must not collide.
  EXPECT_NE(IdentityKey("t", "a", "bc"), IdentityKey("t", "ab", "c"));
  EXPECT_NE(ThreadKey("t", "a", "bc"), ThreadKey("t", "ab", "c"));
  EXPECT_NE(DedupeKey("ta", "b"), DedupeKey("t", "ab"));
}

TEST(KeysTest, QualityRecordsAreEachTenantsAndEachKindsApart) {
  const std::string pending = PendingReviewKey("acme", "c1");
  EXPECT_EQ(pending.substr(0, PendingReviewPrefix("acme").size()), PendingReviewPrefix("acme"));
  EXPECT_NE(pending.substr(0, PendingReviewPrefix("acm").size()), PendingReviewPrefix("acm"));
  EXPECT_NE(PendingReviewKey("acme2", "c1").substr(0, PendingReviewPrefix("acme").size()), PendingReviewPrefix("acme"));
  EXPECT_NE(ScoredReviewKey("acme", "c1").substr(0, PendingReviewPrefix("acme").size()), PendingReviewPrefix("acme"));
  EXPECT_EQ(ScoredReviewKey("acme", "c1").substr(0, ScoredReviewPrefix("acme").size()), ScoredReviewPrefix("acme"));
  EXPECT_EQ(AgentQualityKey("acme", "alice").substr(0, AgentQualityPrefix("acme").size()), AgentQualityPrefix("acme"));
  EXPECT_NE(AgentQualityKey("acme", "alice"), PendingReviewKey("acme", "alice"));
}

}  // namespace
}  // namespace omni::store
