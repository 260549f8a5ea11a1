// What answering a mail thread needs and an outbound Event does not carry: the mailbox the
// customer wrote to, their last Message-ID, the References chain and the subject. Saved per
// thread_key as one small file under the connector's directory, written atomically (temp file,
// fsync, rename) before the inbound mail is acknowledged, so a stored mail can always be answered,
// also after a restart.
#pragma once

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace omni::connectors::email {

struct MailThread {
  std::string mailbox;     // our address the customer wrote to: the reply's From
  std::string message_id;  // the customer's last Message-ID, without <>
  std::string references;  // that mail's References, "<a> <b>", without its own id
  std::string subject;
};

class ThreadStore {
 public:
  explicit ThreadStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  absl::Status Save(const std::string& thread_key, const MailThread& thread) const;
  // NOT_FOUND when no inbound mail of that thread was stored.
  absl::StatusOr<MailThread> Load(const std::string& thread_key) const;

 private:
  std::filesystem::path PathOf(const std::string& thread_key) const;
  const std::filesystem::path dir_;
};

}  // namespace omni::connectors::email
