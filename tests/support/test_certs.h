// Certificates made at test time with the openssl CLI (Debian's `openssl`): a CA, a server
// certificate for 127.0.0.1 and localhost, a client certificate it signed, and a client
// certificate from another CA that the broker must not trust. EC P-256, valid for a day.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace omni::testing {

struct TestCerts {
  std::filesystem::path ca_cert;
  std::filesystem::path server_cert, server_key;
  std::filesystem::path client_cert, client_key;
  std::filesystem::path rogue_client_cert, rogue_client_key;  // signed by a CA nobody trusts
};

namespace internal {

inline void Openssl(const std::filesystem::path& dir, const std::string& args) {
  const std::string command = "cd '" + dir.string() + "' && openssl " + args + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

inline void MakeCa(const std::filesystem::path& dir, const std::string& name) {
  Openssl(dir, "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=" +
                   name + " -keyout " + name + ".key -out " + name + ".crt");
}

// <name>.crt and <name>.key, signed by <ca>, with `extensions` (an openssl extension line).
inline void MakeSigned(const std::filesystem::path& dir, const std::string& ca, const std::string& name,
                       const std::string& extensions) {
  std::ofstream(dir / (name + ".ext")) << extensions << "\n";
  Openssl(dir, "req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name + " -keyout " +
                   name + ".key -out " + name + ".csr");
  Openssl(dir, "x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca + ".key -CAcreateserial -days 1 -out " +
                   name + ".crt -extfile " + name + ".ext");
}

}  // namespace internal

inline TestCerts MakeTestCerts(const std::filesystem::path& dir) {
  internal::MakeCa(dir, "ca");
  internal::MakeCa(dir, "rogue-ca");
  internal::MakeSigned(dir, "ca", "server", "subjectAltName=IP:127.0.0.1,DNS:localhost");
  internal::MakeSigned(dir, "ca", "client", "extendedKeyUsage=clientAuth");
  internal::MakeSigned(dir, "rogue-ca", "rogue", "extendedKeyUsage=clientAuth");
  return TestCerts{.ca_cert = dir / "ca.crt",
                   .server_cert = dir / "server.crt",
                   .server_key = dir / "server.key",
                   .client_cert = dir / "client.crt",
                   .client_key = dir / "client.key",
                   .rogue_client_cert = dir / "rogue.crt",
                   .rogue_client_key = dir / "rogue.key"};
}

}  // namespace omni::testing
