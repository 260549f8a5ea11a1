#include "connectors/email/thread_store.h"

#include <openssl/sha.h>

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "connectors/sdk/state_file.h"

namespace omni::connectors::email {
namespace {

std::string OneLine(const std::string& value) {
  return absl::StrReplaceAll(value, {{"\r", " "}, {"\n", " "}});
}

}  // namespace

std::filesystem::path ThreadStore::PathOf(const std::string& thread_key) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(thread_key.data()), thread_key.size(), digest);
  return dir_ / absl::BytesToHexString(
                    absl::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::Status ThreadStore::Save(const std::string& thread_key, const MailThread& thread) const {
  const std::string text = absl::StrCat(OneLine(thread.mailbox), "\n", OneLine(thread.message_id),
                                        "\n", OneLine(thread.references), "\n",
                                        OneLine(thread.subject), "\n");
  if (auto s = ReplaceFile(PathOf(thread_key), text); !s.ok()) {
    return absl::UnavailableError(absl::StrCat("email threads: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<MailThread> ThreadStore::Load(const std::string& thread_key) const {
  std::ifstream in(PathOf(thread_key));
  if (!in) {
    return absl::NotFoundError(absl::StrCat("email: no inbound mail stored for thread '",
                                            thread_key, "'"));
  }
  MailThread thread;
  std::getline(in, thread.mailbox);
  std::getline(in, thread.message_id);
  std::getline(in, thread.references);
  std::getline(in, thread.subject);
  return thread;
}

}  // namespace omni::connectors::email
