// Names the calling thread, as top -H, perf and /proc/<pid>/task/<tid>/comm show it, so a
// thread's CPU time can be told apart from the others' (omni-ingest-bench reports it per thread).
// Linux keeps the first 15 bytes of a name.
#pragma once

#include <string_view>

namespace omni {

void NameThisThread(std::string_view name);

}  // namespace omni
