// The Twilio voice connector: settings, the calls it holds and their TwiML answers.
#include "connectors/twilio_voice/twilio_voice_connector.h"

#include "absl/strings/str_cat.h"
#include "connectors/twilio_voice/twilio_voice_parser.h"

namespace omni::connectors::twilio_voice {
namespace {

using namespace std::chrono_literals;
using omnibroker::v1::Event;

// Twilio ends every call after 4 hours, so a call older than this is over even when its status
// callback never came (none configured, or lost).
constexpr auto kForgetAfter = std::chrono::hours(6);

std::string Outcome(const Event& event) {
  auto it = event.provider_metadata().find("call.outcome");
  return it == event.provider_metadata().end() ? "" : it->second;
}

std::chrono::milliseconds Since(TimePoint start, TimePoint now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
}

}  // namespace

absl::StatusOr<std::unique_ptr<TwilioVoiceConnector>> TwilioVoiceConnector::Create(
    const ConnectorConfig& config) {
  TwilioVoiceOptions options;
  auto webhook = WebhookOptionsFromConfig(config, "/twilio/voice");
  if (!webhook.ok()) return webhook.status();
  options.webhook = *std::move(webhook);
  options.auth_token = config.Get("auth_token");
  if (options.auth_token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "': auth_token is required (the signature key)"));
  }
  options.public_base_url = config.Get("public_base_url");
  if (!options.public_base_url.starts_with("https://") &&
      !options.public_base_url.starts_with("http://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name,
        "': public_base_url must be the http(s):// URL Twilio calls, without the path"));
  }
  while (options.public_base_url.ends_with("/")) options.public_base_url.pop_back();
  auto max_wait = config.GetInt("max_wait_ms", options.max_wait.count());
  if (!max_wait.ok()) return max_wait.status();
  options.max_wait = std::chrono::milliseconds(*max_wait);
  auto pause = config.GetInt("pause_s", options.twiml.pause_seconds);
  if (!pause.ok()) return pause.status();
  if (*pause < 1 || *pause > 600) {
    return absl::InvalidArgumentError(
        absl::StrCat("connector '", config.name, "': pause_s must be 1..600, not ", *pause));
  }
  options.twiml.pause_seconds = static_cast<int>(*pause);
  options.twiml.hold_message =
      config.Get("hold_message", "Please hold, an agent will be with you shortly.");
  options.twiml.overflow_message =
      config.Get("overflow_message", "Sorry, no agent is free. Please call again later.");
  return std::make_unique<TwilioVoiceConnector>(std::move(options));
}

TwilioVoiceConnector::TwilioVoiceConnector(TwilioVoiceOptions options)
    : options_([&] {
        options.webhook.more_paths = {options.webhook.path + "/wait",
                                      options.webhook.path + "/dial"};
        options.twiml.wait_url = options.public_base_url + options.webhook.more_paths[0];
        options.twiml.dial_action_url = options.public_base_url + options.webhook.more_paths[1];
        return std::move(options);
      }()),
      endpoint_(
          options_.webhook,
          [this](const InboundRequest& request, TimePoint now) { return Admit(request, now); },
          nullptr, nullptr,
          [this](const InboundRequest& request, const std::vector<Event>& events) {
            return Answer(request, events);
          }) {}

std::vector<std::string> TwilioVoiceConnector::Providers() const {
  return {std::string(kProvider)};
}

absl::Status TwilioVoiceConnector::Start(ConnectorContext& context) {
  return endpoint_.Start(context);
}

void TwilioVoiceConnector::Stop() { endpoint_.Stop(); }

absl::StatusOr<std::vector<Event>> TwilioVoiceConnector::Admit(const InboundRequest& request,
                                                               TimePoint now) {
  auto events = NormalizeTwilioVoice(options_.auth_token, options_.public_base_url, request, now);
  if (!events.ok()) return events.status();
  Event& event = events->front();
  const std::string outcome = Outcome(event);
  std::lock_guard lock(mu_);
  std::erase_if(calls_,
                [&](const auto& entry) { return now - entry.second.started > kForgetAfter; });
  auto it = calls_.find(event.thread_key());
  if (outcome.empty()) {  // the call, or a poll of its wait URL: the report of any change
    if (it == calls_.end()) {
      it = calls_.emplace(event.thread_key(), Call{.event = event, .started = now}).first;
    }
    Call& call = it->second;
    if (call.state == State::kWaiting) {
      call.waited = Since(call.started, now);
      if (!call.redirect_to.empty()) {
        call.state = State::kPutThrough;
      } else if (call.waited >= options_.max_wait) {
        call.state = State::kOverflowed;
      }
    }
    // Repeated on every poll after the change (the same event id), so the answer stays the same
    // even when an earlier one was lost.
    if (call.state == State::kPutThrough) {
      events->push_back(CallReport(call.event, "answered", call.waited, call.redirect_to));
    } else if (call.state == State::kOverflowed) {
      events->push_back(CallReport(call.event, "overflowed", call.waited));
    }
  } else if (outcome == "abandoned" && it != calls_.end()) {
    const State state = it->second.state;
    (*event.mutable_provider_metadata())["call.wait_ms"] =
        std::to_string(Since(it->second.started, now).count());
    calls_.erase(it);
    // The final status callback of a call that got its answer: its end is reported already.
    if (state != State::kWaiting) events->clear();
  } else if (outcome == "completed" && it != calls_.end()) {
    it->second.state = State::kCompleted;
  }
  return events;
}

WebhookAnswer TwilioVoiceConnector::Answer(const InboundRequest& request,
                                           const std::vector<Event>& events) const {
  const std::string path = request.path.substr(0, request.path.find('?'));
  return WebhookAnswer{.body = TwimlFor(events, path == options_.webhook.path, options_.twiml),
                       .content_type = std::string(kTwimlContentType)};
}

absl::Status TwilioVoiceConnector::Deliver(const Event& event) {
  if (event.kind() != omnibroker::v1::EVENT_KIND_CALL) {
    return absl::InvalidArgumentError("twilio_voice: only CALL events can be delivered to a call");
  }
  auto redirect = event.provider_metadata().find("call.redirect_to");
  if (redirect == event.provider_metadata().end() || redirect->second.empty()) {
    return absl::InvalidArgumentError(
        "twilio_voice: provider_metadata call.redirect_to is missing");
  }
  std::lock_guard lock(mu_);
  auto it = calls_.find(event.thread_key());
  if (it != calls_.end() && it->second.state == State::kWaiting) {
    it->second.redirect_to = redirect->second;
  }
  return absl::OkStatus();
}

}  // namespace omni::connectors::twilio_voice
