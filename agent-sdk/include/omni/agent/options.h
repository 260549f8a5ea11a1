// Options of omni::agent::AgentClient: where and who to connect as, how to reconnect, and the
// optional typed callbacks. Plain structs; every field has a documented default.
#pragma once

#include <grpcpp/security/credentials.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "omnibroker/v1/agent_console.pb.h"

namespace omni::agent {

class AgentClient;

// How the client reconnects after its stream to the broker is lost. The waits between attempts
// grow from `initial_backoff` by `multiplier` up to `max_backoff`; each is scaled by a random
// factor in [1 - jitter, 1 + jitter] so that many consoles cut off together do not return in step.
struct ReconnectPolicy {
  bool enabled = true;  // false: a lost stream ends the client (Next() returns nullopt)
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 2.0;
  double jitter = 0.2;
};

// Typed callbacks, each optional, given the client they came from. When any is set, the client
// runs one dispatch thread that takes updates from the same queue Next() reads and calls them in
// order, one at a time, from the end of Connect() on; do not also call Next(). A callback may
// make requests (Accept, SendText…) but must not call Close(). Updates without a callback of
// their own go to `on_update`, if set.
struct AgentCallbacks {
  std::function<void(AgentClient&, const omnibroker::v1::Offer&)> on_offer;
  std::function<void(AgentClient&, const omnibroker::v1::OfferRevoked&)> on_offer_revoked;
  std::function<void(AgentClient&, const omnibroker::v1::ConversationAssigned&)> on_assigned;
  std::function<void(AgentClient&, const omnibroker::v1::ConversationMessage&)> on_message;
  std::function<void(AgentClient&, const omnibroker::v1::ConversationClosed&)> on_closed;
  std::function<void(AgentClient&, const omnibroker::v1::Escalation&)> on_escalation;
  std::function<void(AgentClient&, const omnibroker::v1::ConnectionChange&)> on_connection;
  std::function<void(AgentClient&, const omnibroker::v1::AgentUpdate&)> on_update;

  bool any() const {
    return on_offer || on_offer_revoked || on_assigned || on_message || on_closed ||
           on_escalation || on_connection || on_update;
  }
};

struct AgentClientOptions {
  // The broker's gRPC address, "127.0.0.1:50051". In a cluster any of its brokers: one that does
  // not lead the agent's tenant names the one that does, and the client calls there (and back
  // here once that one is gone).
  std::string target;
  std::string agent_id;  // sent in Login and as the x-omni-agent-id metadata of every call
  // The agent token (`omnictl token`), sent as "authorization: Bearer <token>" on every call and
  // in Login.token; "" for a broker in dev mode.
  std::string token;
  // The tenant the calls act for, sent as the x-omni-tenant metadata of every call when not "":
  // needed with a platform operator's token (which is for every tenant), a choice in dev mode
  // (else the broker's default tenant), and with an agent's token at most its own tenant.
  std::string tenant;
  // nullptr: plaintext (loopback only); TlsCredentials(…) (omni/agent/security.h) for TLS and mTLS.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  // How long Connect() waits for the broker and the first login.
  std::chrono::milliseconds connect_timeout{5000};
  // Request() helpers (SetPresence, Accept…) wait this long for their result.
  std::chrono::milliseconds request_timeout{10000};
  // HTTP/2 pings on the connection, answered or not within `keepalive_timeout`: a broker that
  // vanished without closing the connection (its host gone, a NAT or firewall dropping the
  // flow) is noticed this soon, not after TCP's own hours, and the client reconnects. The
  // broker accepts pings every second at most (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS).
  std::chrono::milliseconds keepalive_time{20000};
  std::chrono::milliseconds keepalive_timeout{10000};
  ReconnectPolicy reconnect;
  AgentCallbacks callbacks;
};

}  // namespace omni::agent
