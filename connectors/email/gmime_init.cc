#include "connectors/email/gmime_init.h"

#include <gmime/gmime.h>

#include <mutex>

namespace omni::connectors::email {

void InitGMimeOnce() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

}  // namespace omni::connectors::email
