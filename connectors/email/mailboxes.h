// The mailboxes this connector is: the listener takes mail only for them (RCPT TO of any other
// address hears 550 5.1.1) and replies go out only from them. Whole addresses and whole domains,
// from the `mailboxes` setting ("support@example.com, help.example.com": an entry with an @ is an
// address, one without a domain) and every route.<mailbox> setting's address. Compared
// lower-cased.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "connectors/email/mail_routes.h"
#include "connectors/sdk/connector.h"

namespace omni::connectors::email {

class Mailboxes {
 public:
  // Addresses and domains separated by commas or spaces; an error names the malformed entry.
  static absl::StatusOr<Mailboxes> Parse(absl::string_view list);
  // The `mailboxes` setting and the routes' addresses; none at all is an error, since the
  // listener would refuse every mail.
  static absl::StatusOr<Mailboxes> FromConfig(const ConnectorConfig& config,
                                              const MailRoutes& routes);

  // True when `address` (local@domain) is one of the addresses or in one of the domains.
  bool Contains(absl::string_view address) const;
  bool empty() const { return addresses_.empty() && domains_.empty(); }

 private:
  absl::Status Add(absl::string_view entry);

  std::set<std::string> addresses_;
  std::set<std::string> domains_;
};

}  // namespace omni::connectors::email
