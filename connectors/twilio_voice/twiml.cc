// TwiML answers; the verbs and attributes are Twilio's (<Say>, <Pause length>, <Redirect method>,
// <Dial action method>, <Sip>, <Number>, <Hangup/>).
#include "connectors/twilio_voice/twiml.h"

#include "absl/strings/str_cat.h"

namespace omni::connectors::twilio_voice {
namespace {

constexpr char kProlog[] = R"(<?xml version="1.0" encoding="UTF-8"?>)";

std::string Metadata(const omnibroker::v1::Event& event, const std::string& key) {
  auto it = event.provider_metadata().find(key);
  return it == event.provider_metadata().end() ? "" : it->second;
}

std::string Say(std::string_view text) {
  return text.empty() ? "" : absl::StrCat("<Say>", XmlEscape(text), "</Say>");
}

std::string DialTarget(std::string_view contact) {
  if (contact.starts_with("tel:")) {
    return absl::StrCat("<Number>", XmlEscape(contact.substr(4)), "</Number>");
  }
  return absl::StrCat("<Sip>", XmlEscape(contact), "</Sip>");
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string TwimlFor(const std::vector<omnibroker::v1::Event>& events, bool first_answer,
                     const TwimlSettings& settings) {
  const std::string outcome =
      events.empty() ? "abandoned" : Metadata(events.back(), "call.outcome");
  std::string verbs;
  if (outcome == "answered") {
    verbs = absl::StrCat(R"(<Dial action=")", XmlEscape(settings.dial_action_url),
                         R"(" method="POST">)",
                         DialTarget(Metadata(events.back(), "call.redirect_to")), "</Dial>");
  } else if (outcome == "overflowed") {
    verbs = absl::StrCat(Say(settings.overflow_message), "<Hangup/>");
  } else if (outcome == "completed") {
    verbs = "<Hangup/>";
  } else if (outcome.empty()) {
    verbs = absl::StrCat(first_answer ? Say(settings.hold_message) : "", R"(<Pause length=")",
                         settings.pause_seconds, R"("/><Redirect method="POST">)",
                         XmlEscape(settings.wait_url), "</Redirect>");
  }
  return verbs.empty() ? absl::StrCat(kProlog, "<Response/>")
                       : absl::StrCat(kProlog, "<Response>", verbs, "</Response>");
}

}  // namespace omni::connectors::twilio_voice
