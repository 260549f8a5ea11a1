// The broker core's view of one connected agent console: somewhere to push updates. Implemented
// by the gRPC AgentConsole stream (broker/console).
#pragma once

#include "omnibroker/v1/agent_console.pb.h"

namespace omni::core {

class AgentSession {
 public:
  virtual ~AgentSession() = default;
  // Queues `update` for the agent. Thread-safe, never blocks; a closed session drops it.
  virtual void Send(omnibroker::v1::AgentUpdate update) = 0;
};

}  // namespace omni::core
