// What the broker would expose beyond loopback without authentication. A broker that listens on
// a network refuses to start open (BrokerApp::Start, `omnibroker check-config`) unless the config
// says `insecure: true` in so many words; on loopback (`./omni run`) nothing is needed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "broker/app/broker_config.h"

namespace omni::app {

// True for an address only this machine reaches: 127.0.0.0/8, ::1, localhost, inproc:// and
// ipc:// (a tcp:// prefix and a :port are allowed). False for 0.0.0.0, *, :: and any other host.
bool IsLoopback(std::string_view address);

struct Exposure {
  std::vector<std::string> open;       // unauthenticated listeners beyond loopback: errors
  std::vector<std::string> plaintext;  // authenticated but unencrypted beyond loopback: warnings
};

Exposure CheckExposure(const BrokerConfig& config);

}  // namespace omni::app
