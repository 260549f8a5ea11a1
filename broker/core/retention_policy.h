// How long a tenant's data is kept: plain data the configuration fills and retention.cc applies.
#pragma once

namespace omni::core {

// 0 days = for ever.
struct RetentionPolicy {
  int events_days = 0;
  int sensitive_attachment_days = 30;  // identity documents, card data: the reference is purged
};

}  // namespace omni::core
