// Events as a connector would publish them, for tests and load generators.
#pragma once

#include <string>

#include "omnibroker/v1/event.pb.h"

namespace omni::testing {

// An inbound message from (provider, handle), threaded by the handle.
inline omnibroker::v1::Event MessageFrom(const std::string& event_id, const std::string& provider,
                                         const std::string& handle, const std::string& text) {
  omnibroker::v1::Event e;
  e.set_id(event_id);
  e.set_tenant("default");
  e.set_channel(provider == "sip" ? omnibroker::v1::CHANNEL_VOICE : omnibroker::v1::CHANNEL_MESSENGER);
  e.set_provider(provider);
  e.set_direction(omnibroker::v1::DIRECTION_INBOUND);
  e.set_kind(omnibroker::v1::EVENT_KIND_MESSAGE);
  e.mutable_sender()->set_provider(provider);
  e.mutable_sender()->set_handle(handle);
  e.set_thread_key(handle);
  e.mutable_occurred_at()->set_seconds(1'800'000'000);
  e.mutable_content()->set_text(text);
  return e;
}

}  // namespace omni::testing
