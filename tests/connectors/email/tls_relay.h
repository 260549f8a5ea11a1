// Starts tests/connectors/email/tls_relay.py, a real aiosmtpd relay speaking STARTTLS or
// implicit TLS and requiring AUTH, for the relay client's tests; stopped with the object.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "tests/support/broker_process.h"
#include "tests/support/test_support.h"

namespace omni::connectors::email {

// tests/connectors/email/tls_relay.py: a real aiosmtpd relay that speaks STARTTLS (`mode`
// "starttls") or TLS from the first byte ("tls") with `cert`, and requires AUTH as
// relay@example.com / "correct horse" with the mechanisms `mechanisms` (PLAIN, LOGIN).
class TlsRelay {
 public:
  TlsRelay(const std::string& mode, const std::filesystem::path& cert,
           const std::filesystem::path& key, const std::string& mechanisms = "PLAIN LOGIN")
      : port_(testing::FreePort()),
        log_(dir_.path() / "relay.log"),
        process_("/usr/bin/python3",
                 {(testing::CorpusDir().parent_path() / "connectors" / "email" / "tls_relay.py")
                      .string(),
                  "--port", std::to_string(port_), "--mode", mode, "--cert", cert.string(), "--key",
                  key.string(), "--user", "relay@example.com", "--password", "correct horse",
                  "--mechanisms", mechanisms, "--out", (dir_.path() / "mail").string()},
                 log_) {
    EXPECT_TRUE(testing::WaitFor([&] {
      return testing::ReadFile(log_).find("ready") != std::string::npos;
    })) << "the relay did not start (python3-aiosmtpd missing?): "
        << testing::ReadFile(log_);
  }
  int port() const { return port_; }
  std::string log() const { return testing::ReadFile(log_); }
  // The mails taken, each starting "X-Envelope-From: <sender>".
  std::vector<std::string> Mails() const {
    std::vector<std::string> mails;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "mail", error)) {
      if (entry.path().extension() == ".eml") mails.push_back(testing::ReadFile(entry.path()));
    }
    return mails;
  }

 private:
  testing::TempDir dir_;
  const int port_;
  const std::filesystem::path log_;
  testing::ChildProcess process_;
};

}  // namespace omni::connectors::email
