#include "connectors/email/mailboxes.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace omni::connectors::email {

absl::Status Mailboxes::Add(absl::string_view entry) {
  const std::string lower = absl::AsciiStrToLower(entry);
  const size_t at = lower.find('@');
  if (at == std::string::npos) {
    domains_.insert(lower);
    return absl::OkStatus();
  }
  if (at == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", entry, "': a whole domain is written without @ ('", lower.substr(1), "')"));
  }
  if (at + 1 == lower.size() || lower.find('@', at + 1) != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("'", entry, "' is not local@domain"));
  }
  addresses_.insert(lower);
  return absl::OkStatus();
}

absl::StatusOr<Mailboxes> Mailboxes::Parse(absl::string_view list) {
  Mailboxes mailboxes;
  for (absl::string_view entry : absl::StrSplit(list, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    if (auto s = mailboxes.Add(entry); !s.ok()) return s;
  }
  return mailboxes;
}

absl::StatusOr<Mailboxes> Mailboxes::FromConfig(const ConnectorConfig& config,
                                                const MailRoutes& routes) {
  auto mailboxes = Parse(config.Get("mailboxes"));
  if (!mailboxes.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name, "' setting 'mailboxes': ", mailboxes.status().message()));
  }
  for (const auto& [address, hints] : routes) {
    if (auto s = mailboxes->Add(address); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "connector '", config.name, "' setting 'route.", address, "': ", s.message()));
    }
  }
  if (mailboxes->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "connector '", config.name,
        "': no mailboxes: set mailboxes (addresses and whole domains, e.g. \"support@example.com, "
        "help.example.com\") or route.<mailbox>; mail to any other address is refused"));
  }
  return mailboxes;
}

bool Mailboxes::Contains(absl::string_view address) const {
  const std::string lower = absl::AsciiStrToLower(address);
  if (addresses_.contains(lower)) return true;
  const size_t at = lower.rfind('@');
  return at != std::string::npos && domains_.contains(lower.substr(at + 1));
}

}  // namespace omni::connectors::email
