#include "connectors/email/thread_store.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

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
  std::error_code error;
  std::filesystem::create_directories(dir_, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat("email threads: ", dir_.string(), ": ", error.message()));
  }
  const std::string text = absl::StrCat(OneLine(thread.mailbox), "\n", OneLine(thread.message_id),
                                        "\n", OneLine(thread.references), "\n",
                                        OneLine(thread.subject), "\n");
  const std::filesystem::path path = PathOf(thread_key);
  const std::string temp = path.string() + ".tmp";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool written = fd >= 0 && write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 fsync(fd) == 0;
  const std::string why = strerror(errno);
  if (fd >= 0) close(fd);
  written = written && rename(temp.c_str(), path.c_str()) == 0;
  if (!written) {
    return absl::UnavailableError(absl::StrCat("email threads: writing ", path.string(), ": ", why));
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
