#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace omni {

void NameThisThread(std::string_view name) {
  // Longer names are refused (ERANGE), not cut: cut them here.
  const std::string kept(name.substr(0, 15));
  pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace omni
