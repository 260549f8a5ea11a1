// What a partition's store holds after a test that killed brokers under load: each inbound event
// by id with how many copies, and every conversation, checked whole on the way (events of the
// partition's tenant only, no conversation held by two agents, no thread pointing nowhere).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "broker/store/store.h"
#include "omnibroker/v1/conversation.pb.h"
#include "omnibroker/v1/event.pb.h"

namespace omni::testing {

struct StoredPartition {
  std::map<std::string, int> inbound;  // event id -> copies
  std::set<std::string> conversations;
};

inline void ReadStoredPartition(const std::filesystem::path& store_dir, const std::string& tenant,
                                StoredPartition& out) {
  SCOPED_TRACE("the partition of " + tenant + " in " + store_dir.string());
  auto store = store::Store::Open({.dir = store_dir});
  ASSERT_TRUE(store.ok()) << store.status();
  std::set<std::string> event_conversations;
  ASSERT_TRUE((*store)->Scan(store::Family::kEvents, "", false, std::nullopt,
                             [&](std::string_view, std::string_view v) {
    omnibroker::v1::Event e;
    EXPECT_TRUE(e.ParseFromArray(v.data(), static_cast<int>(v.size())));
    EXPECT_EQ(e.tenant(), tenant) << e.id();
    if (e.direction() == omnibroker::v1::DIRECTION_INBOUND) out.inbound[e.id()]++;
    event_conversations.insert(e.conversation_id());
    return true;
  }).ok());
  ASSERT_TRUE((*store)->Scan(store::Family::kConversations, "", false, std::nullopt,
                             [&](std::string_view, std::string_view v) {
    omnibroker::v1::Conversation c;
    EXPECT_TRUE(c.ParseFromArray(v.data(), static_cast<int>(v.size())));
    out.conversations.insert(c.id());
    int open_assignments = 0;
    for (const auto& a : c.assignments()) open_assignments += a.has_ended_at() ? 0 : 1;
    const bool closed = c.state() == omnibroker::v1::CONVERSATION_STATE_CLOSED;
    EXPECT_LE(open_assignments, closed ? 0 : 1) << c.id() << " is held twice";
    if (c.state() == omnibroker::v1::CONVERSATION_STATE_ASSIGNED) {
      EXPECT_EQ(open_assignments, 1) << c.id();
      EXPECT_EQ(c.assignments().rbegin()->agent_id(), c.assigned_agent_id()) << c.id();
    }
    return true;
  }).ok());
  ASSERT_TRUE((*store)->Scan(store::Family::kThreads, "", false, std::nullopt,
                             [&](std::string_view k, std::string_view v) {
    EXPECT_TRUE(out.conversations.contains(std::string(v))) << "thread " << k << " points nowhere";
    return true;
  }).ok());
  for (const auto& id : event_conversations) {
    EXPECT_TRUE(out.conversations.contains(id)) << "events of a lost conversation " << id;
  }
}

}  // namespace omni::testing
