#include "broker/ingest/ingest_guard.h"

#include <array>
#include <chrono>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "base/thread_name.h"

namespace omni::ingest {
namespace {

constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";
// How often the thread looks at stopping_ while nothing happens.
constexpr std::chrono::milliseconds kPollTick{100};
constexpr int kMonitoredEvents = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_DISCONNECTED;

// Every part of one multipart message.
std::vector<zmq::message_t> ReceiveAll(zmq::socket_t& socket) {
  std::vector<zmq::message_t> parts;
  do {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) break;
    parts.push_back(std::move(part));
  } while (parts.back().more());
  return parts;
}

std::string Z85(const zmq::message_t& key) {
  std::array<char, 41> text{};
  if (key.size() != 32 || zmq_z85_encode(text.data(), key.data<uint8_t>(), 32) == nullptr)
    return "";
  return text.data();
}

}  // namespace

IngestGuard::IngestGuard(zmq::context_t& zmq, bool zap, std::set<std::string> allowed_client_keys,
                         Observer observe)
    : zmq_(zmq),
      zap_(zap),
      allowed_(std::move(allowed_client_keys)),
      observe_(std::move(observe)) {}

IngestGuard::~IngestGuard() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

absl::Status IngestGuard::Start(zmq::socket_t& router) {
  if (thread_.joinable()) return absl::OkStatus();
  zmq::socket_t zap;
  zmq::socket_t monitor;
  const std::string monitor_endpoint =
      absl::StrCat("inproc://omni-ingest-monitor-", reinterpret_cast<uintptr_t>(this));
  try {
    if (zap_) {
      zap = zmq::socket_t(zmq_, zmq::socket_type::rep);
      zap.set(zmq::sockopt::linger, 0);
      zap.bind(kZapEndpoint);
    }
    if (zmq_socket_monitor(router.handle(), monitor_endpoint.c_str(), kMonitoredEvents) != 0) {
      throw zmq::error_t();
    }
    monitor = zmq::socket_t(zmq_, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(monitor_endpoint);
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(absl::StrCat("ingest: cannot start the connection guard (",
                                               zap_ ? kZapEndpoint : monitor_endpoint,
                                               "): ", e.what()));
  }
  thread_ = std::thread([this, zap = std::move(zap), monitor = std::move(monitor)]() mutable {
    NameThisThread("ingest-guard");
    Run(std::move(zap), std::move(monitor));
  });
  return absl::OkStatus();
}

void IngestGuard::Stop(zmq::socket_t& router) {
  if (!thread_.joinable()) return;
  stopping_ = true;
  thread_.join();
  zmq_socket_monitor(router.handle(), nullptr, 0);
}

void IngestGuard::Run(zmq::socket_t zap, zmq::socket_t monitor) {
  while (!stopping_) {
    std::vector<zmq::pollitem_t> items = {{monitor.handle(), 0, ZMQ_POLLIN, 0}};
    if (zap) items.push_back({zap.handle(), 0, ZMQ_POLLIN, 0});
    try {
      zmq::poll(items.data(), items.size(), kPollTick);
      if (items[0].revents & ZMQ_POLLIN) ReadMonitor(monitor);
      if (zap && (items[1].revents & ZMQ_POLLIN)) AnswerZap(zap);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      LogWarning("ingest", absl::StrCat("connection guard: ", e.what()));
    }
  }
}

void IngestGuard::AnswerZap(zmq::socket_t& zap) {
  // version, request id, domain, address, routing id, mechanism, credentials…
  std::vector<zmq::message_t> request = ReceiveAll(zap);
  if (request.empty()) return;
  std::string request_id = request.size() > 1 ? request[1].to_string() : "";
  const std::string address = request.size() > 3 ? request[3].to_string() : "";
  const std::string mechanism = request.size() > 5 ? request[5].to_string() : "";
  std::string status = "400";
  std::string text;
  std::string user;
  if (request.size() < 6 || request[0].to_string() != "1.0") {
    text = "malformed ZAP request";
    observe_(GuardEvent::kHandshakeFailed);
  } else if (mechanism != "CURVE" || request.size() != 7) {
    text = "CURVE required";
    observe_(GuardEvent::kNotCurve);
  } else if (const std::string key = Z85(request[6]); allowed_.contains(key)) {
    status = "200";
    text = "OK";
    user = key;  // the connector's identity, as the ROUTER's peer metadata "User-Id"
  } else {
    text = "client key not allowed";
    observe_(GuardEvent::kKeyNotAllowed);
    if (auto more = key_refusals_log_.Admit(SystemClock::Get().Now())) {
      LogWarning("ingest", absl::StrCat("refused a connector from ", address, ": its CURVE key ", key,
                                        " is not in ingest.allowed_client_keys", *more));
    }
  }
  const std::array<std::string, 6> reply = {"1.0", request_id, status, text, user, ""};
  for (size_t i = 0; i < reply.size(); ++i) {
    (void)zap.send(zmq::buffer(reply[i]),
                   i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

void IngestGuard::ReadMonitor(zmq::socket_t& monitor) {
  // A 6-byte frame (16-bit event, 32-bit value), then the endpoint.
  std::vector<zmq::message_t> parts = ReceiveAll(monitor);
  if (parts.size() < 2 || parts[0].size() < 6) return;
  uint16_t event = 0;
  uint32_t value = 0;
  std::memcpy(&event, parts[0].data(), sizeof event);
  std::memcpy(&value, parts[0].data<char>() + 2, sizeof value);
  const std::string endpoint = parts[1].to_string();
  if (event == ZMQ_EVENT_DISCONNECTED) {
    observe_(GuardEvent::kDisconnected);
    return;
  }
  const bool mismatch = event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL &&
                        value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH;
  observe_(mismatch ? GuardEvent::kNotCurve : GuardEvent::kHandshakeFailed);
  if (auto more = handshake_refusals_log_.Admit(SystemClock::Get().Now())) {
    LogWarning("ingest",
               absl::StrCat("refused a connection on ", endpoint, ": ",
                            mismatch ? "it does not speak CURVE (configure the connector's keys)"
                                     : absl::StrCat("CURVE handshake failed (error 0x", absl::Hex(value),
                                                    "): does it hold the broker's public key?"),
                            *more));
  }
}

}  // namespace omni::ingest
