// A delivery status notification (RFC 3464, multipart/report; report-type=delivery-status) read
// for what the broker needs: the first recipient's Original-Recipient (else Final-Recipient),
// Action and Status, and the returned original's Message-ID and thread (root of its References,
// else In-Reply-To, else its Message-ID), so the bounce lands in the conversation of the mail it
// is about — our reply carries the customer's References.
#pragma once

#include <gmime/gmime.h>

#include <string>

namespace omni::connectors::email {

struct DeliveryReport {
  std::string recipient;  // "edwin@zzzzzzz.com", without the "rfc822;" type
  std::string action;     // failed, delayed, delivered, relayed, expanded
  std::string status;     // "5.3.0"
  std::string original_message_id;
  std::string original_thread;  // "" when the original's headers are not returned
};

// `report` is the mail's multipart/report body.
DeliveryReport ReadDeliveryReport(GMimeObject* report);

}  // namespace omni::connectors::email
