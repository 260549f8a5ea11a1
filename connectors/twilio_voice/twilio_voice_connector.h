// The Twilio voice connector's I/O part: a WebhookEndpoint on three paths — `path` (the number's
// voice URL, and its status callback), `path`/wait (polled by <Redirect> while the caller waits)
// and `path`/dial (the <Dial action> callback) — that verifies X-Twilio-Signature on every
// request, publishes what it carries and answers TwiML once the broker acked it. Each call waits
// in memory until the broker's outbound CALL (Deliver) names the agent's contact: the next poll
// is answered <Dial> and reported answered; past max_wait it is answered <Hangup/> and reported
// overflowed; a status callback before that is the abandoned report.
//
// Threads: the endpoint's HTTP pool (Start..Stop) and the host's delivery thread (Deliver) share
// the calls under mu_.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/sdk/connector.h"
#include "connectors/sdk/webhook_endpoint.h"
#include "connectors/twilio_voice/twiml.h"

namespace omni::connectors::twilio_voice {

struct TwilioVoiceOptions {
  WebhookOptions webhook;       // path defaults to /twilio/voice; /wait and /dial are added
  std::string auth_token;       // the account's auth token: the signature key
  std::string public_base_url;  // what Twilio calls, without the path ("https://cc.example.com")
  std::chrono::milliseconds max_wait{120000};  // then the overflow message and <Hangup/>
  TwimlSettings twiml;  // wait_url and dial_action_url are derived from the above
};

class TwilioVoiceConnector : public Connector {
 public:
  // Settings: auth_token and public_base_url (required), listen, path, max_body_bytes,
  // ack_wait_ms, max_wait_ms, pause_s, hold_message, overflow_message.
  static absl::StatusOr<std::unique_ptr<TwilioVoiceConnector>> Create(
      const ConnectorConfig& config);
  explicit TwilioVoiceConnector(TwilioVoiceOptions options);
  ~TwilioVoiceConnector() override { Stop(); }

  std::vector<std::string> Providers() const override;
  absl::Status Start(ConnectorContext& context) override;
  void Stop() override;
  // The broker's redirect (provider_metadata call.redirect_to) for the call of thread_key: the
  // caller's next poll is answered <Dial>. A call no longer waiting (gone, put through, unknown
  // after a restart) is OK with nothing to do, so a resend is harmless.
  absl::Status Deliver(const omnibroker::v1::Event& event) override;

  int port() const { return endpoint_.port(); }
  std::map<std::string, int64_t> Rejections() const override { return endpoint_.Rejections(); }

 private:
  enum class State { kWaiting, kPutThrough, kOverflowed, kCompleted };
  struct Call {
    omnibroker::v1::Event event;  // the CALL event, for the reports
    TimePoint started;
    State state = State::kWaiting;
    std::string redirect_to;              // set by Deliver while waiting
    std::chrono::milliseconds waited{0};  // when it was put through or overflowed
  };

  // The endpoint's Normalize: the signed request's event, plus the report of a state change;
  // a status callback of a call already put through or overflowed carries nothing new.
  absl::StatusOr<std::vector<omnibroker::v1::Event>> Admit(const InboundRequest& request,
                                                           TimePoint now);
  WebhookAnswer Answer(const InboundRequest& request,
                       const std::vector<omnibroker::v1::Event>& events) const;

  const TwilioVoiceOptions options_;
  WebhookEndpoint endpoint_;
  std::mutex mu_;
  std::map<std::string, Call> calls_;  // by CallSid
};

}  // namespace omni::connectors::twilio_voice
