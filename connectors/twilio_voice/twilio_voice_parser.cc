// Twilio voice form parsing and its signature; the field names are Twilio's (CallSid, From, To,
// CallStatus, Caller…).
#include "connectors/twilio_voice/twilio_voice_parser.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/strings.h"
#include "base/time_util.h"
#include "connectors/sdk/form_encoding.h"
#include "connectors/sdk/signature.h"

namespace omni::connectors::twilio_voice {
namespace {

std::string Field(const FormFields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return "";
}

// A duration field in whole seconds, 0 when absent.
absl::StatusOr<int64_t> Seconds(const FormFields& fields, std::string_view name) {
  const std::string value = Field(fields, name);
  int64_t seconds = 0;
  if (!value.empty() && (!absl::SimpleAtoi(value, &seconds) || seconds < 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(name), " is not a whole number of seconds: '", value, "'"));
  }
  return seconds;
}

bool EndedBeforeAnswer(const std::string& status) {
  return status == "completed" || status == "no-answer" || status == "canceled" || status == "busy" ||
         status == "failed";
}

}  // namespace

FormFields ParseForm(std::string_view body) {
  FormFields fields;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(start, end - start);
    if (!pair.empty()) {
      const size_t equals = pair.find('=');
      fields.emplace_back(FormDecode(pair.substr(0, equals)),
                          equals == std::string_view::npos ? "" : FormDecode(pair.substr(equals + 1)));
    }
    start = end + 1;
  }
  return fields;
}

absl::Status VerifyTwilioSignature(std::string_view auth_token, std::string_view public_url,
                                   const FormFields& fields, std::string_view signature) {
  FormFields sorted = fields;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string signed_text(public_url);
  for (const auto& [key, value] : sorted) absl::StrAppend(&signed_text, key, value);
  return VerifyHmac(Digest::kSha1, MacEncoding::kBase64, auth_token, signed_text, signature, kSignatureHeader);
}

absl::StatusOr<omnibroker::v1::Event> CallFromForm(const FormFields& fields, TimePoint now) {
  const std::string call_sid = Field(fields, "CallSid");
  if (call_sid.empty()) return absl::InvalidArgumentError("CallSid is missing: not a voice call webhook");
  const std::string from = Field(fields, "From");
  if (from.empty()) return absl::InvalidArgumentError("From is missing");
  const std::string to = Field(fields, "To");
  const std::string status = Field(fields, "CallStatus");
  const std::string dial_status = Field(fields, "DialCallStatus");
  omnibroker::v1::Event e;
  e.set_id(absl::StrCat("twilio_voice:", call_sid));
  e.set_channel(omnibroker::v1::CHANNEL_VOICE);
  e.set_provider(std::string(kProvider));
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_CALL);
  e.set_thread_key(call_sid);
  e.mutable_sender()->set_provider(std::string(kProvider));
  e.mutable_sender()->set_handle(from);
  *e.mutable_occurred_at() = ToProto(now);
  *e.mutable_received_at() = e.occurred_at();
  auto& metadata = *e.mutable_provider_metadata();
  metadata["twilio.to"] = to;
  if (!status.empty()) metadata["twilio.call_status"] = status;
  if (!dial_status.empty()) {
    auto talked = Seconds(fields, "DialCallDuration");
    if (!talked.ok()) return talked.status();
    e.set_id(absl::StrCat(e.id(), ":completed"));
    metadata["call.outcome"] = "completed";
    metadata["twilio.dial_call_status"] = dial_status;
    metadata["call.talk_ms"] = std::to_string(*talked * 1000);
    e.mutable_content()->set_text(
        dial_status == "completed"
            ? absl::StrCat("Call from ", from, " talked ", *talked, " s with the agent")
            : absl::StrCat("Call from ", from, " not answered on the agent's side (", dial_status,
                           ")"));
  } else if (EndedBeforeAnswer(status)) {
    auto waited = Seconds(fields, "CallDuration");
    if (!waited.ok()) return waited.status();
    e.set_id(absl::StrCat(e.id(), ":abandoned"));
    metadata["call.outcome"] = "abandoned";
    if (!Field(fields, "CallDuration").empty()) {
      metadata["call.wait_ms"] = std::to_string(*waited * 1000);
    }
    e.mutable_content()->set_text(absl::StrCat("Call from ", from, " abandoned (", status, ")"));
  } else {
    e.mutable_content()->set_text(absl::StrCat("Call from ", from, " to ", to));
  }
  return e;
}

omnibroker::v1::Event CallReport(const omnibroker::v1::Event& call, std::string_view outcome,
                                 std::chrono::milliseconds waited, std::string_view redirect_to) {
  omnibroker::v1::Event e = call;
  e.set_id(absl::StrCat(call.id(), ":", ToAbsl(outcome)));
  auto& metadata = *e.mutable_provider_metadata();
  metadata["call.outcome"] = std::string(outcome);
  metadata["call.wait_ms"] = std::to_string(waited.count());
  const int64_t seconds = (waited.count() + 500) / 1000;
  std::string text = absl::StrCat("Call from ", call.sender().handle(), " ", ToAbsl(outcome));
  if (!redirect_to.empty()) {
    metadata["call.redirect_to"] = std::string(redirect_to);
    text =
        absl::StrCat("Call from ", call.sender().handle(), " put through to ", ToAbsl(redirect_to));
  }
  e.mutable_content()->set_text(absl::StrCat(text, " after ", seconds, " s"));
  return e;
}

absl::StatusOr<std::vector<omnibroker::v1::Event>> NormalizeTwilioVoice(
    std::string_view auth_token, std::string_view public_base_url, const InboundRequest& request,
    TimePoint now) {
  const FormFields fields = ParseForm(request.body);
  const std::string url = absl::StrCat(ToAbsl(public_base_url), request.path);
  if (auto s = VerifyTwilioSignature(auth_token, url, fields, request.Header(kSignatureHeader)); !s.ok()) return s;
  auto event = CallFromForm(fields, now);
  if (!event.ok()) return event.status();
  return std::vector<omnibroker::v1::Event>{*std::move(event)};
}

}  // namespace omni::connectors::twilio_voice
