// IngestGuard: who may talk to the broker's ingest ROUTER over tcp://, and what happens to the
// connections. With CURVE configured the ROUTER is a CURVE server and the guard answers ZeroMQ's
// authentication requests (ZAP, rfc.zeromq.org/spec/27) on inproc://zeromq.zap.01 of the same
// context: a client whose public key is in the allow-list gets in, any other is refused. A
// handshake that fails before ZAP is asked (a client without CURVE, or one holding the wrong server
// key, cannot even be decrypted) shows on the ROUTER's monitor, which the guard reads too, as it
// does the connections cut for a frame above ZMQ_MAXMSGSIZE. Every refusal is reported by kind
// and logged, a line a minute at most (a client can retry in a loop). inproc:// peers (the broker's own connectors) go through no handshake and are not
// checked.
//
// Threads: one, started by Start() and joined by Stop(); it owns the ZAP and monitor sockets.
#pragma once

#include <atomic>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <zmq.hpp>

#include "base/log_throttle.h"

#include "absl/status/status.h"

namespace omni::ingest {

// What the guard saw, for the metrics (omni_ingest_denials_total, omni_ingest_disconnects_total).
enum class GuardEvent {
  kKeyNotAllowed,    // CURVE handshake with a client key outside the allow-list
  kNotCurve,         // a client that speaks no CURVE (or another mechanism)
  kHandshakeFailed,  // CURVE that does not decrypt (the wrong server key) or a broken handshake
  kDisconnected,     // a connection ended: the peer left, or was cut (an oversized frame, a denial)
};

class IngestGuard {
 public:
  using Observer = std::function<void(GuardEvent)>;  // runs on the guard's thread

  // `allowed_client_keys` are Z85 public keys; with `zap` false no ZAP handler is bound (no CURVE)
  // and only the monitor runs.
  IngestGuard(zmq::context_t& zmq, bool zap, std::set<std::string> allowed_client_keys,
              Observer observe);
  ~IngestGuard();
  IngestGuard(const IngestGuard&) = delete;
  IngestGuard& operator=(const IngestGuard&) = delete;

  // Binds the ZAP endpoint and monitors `router`; call from the thread that owns `router`, before
  // it binds. Once started, a second call does nothing (a Bind retried after a refused endpoint).
  absl::Status Start(zmq::socket_t& router);
  // Joins the thread and stops monitoring `router` (from its owner thread, before closing it).
  void Stop(zmq::socket_t& router);

 private:
  void Run(zmq::socket_t zap, zmq::socket_t monitor);
  void AnswerZap(zmq::socket_t& zap);
  void ReadMonitor(zmq::socket_t& monitor);

  zmq::context_t& zmq_;
  const bool zap_;
  const std::set<std::string> allowed_;
  const Observer observe_;
  // Apart, so a flood of one kind does not hide the first line of the other.
  LogThrottle key_refusals_log_{std::chrono::minutes(1)};
  LogThrottle handshake_refusals_log_{std::chrono::minutes(1)};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace omni::ingest
