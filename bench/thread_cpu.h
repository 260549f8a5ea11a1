// The CPU time each thread of this process has used, by thread name (base/thread_name.h), read
// from /proc/self/task/<tid>/stat: utime + stime, counted in clock ticks (USER_HZ, 100 a second
// on Linux, so 10 ms each). Take one reading before and one after a run, both while the threads
// still live: a thread that ended between them is not in the second.
#pragma once

#include <dirent.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace omni::bench {

struct ThreadCpu {
  std::string name;
  double seconds = 0;
};

// By thread id.
inline std::map<int, ThreadCpu> ReadThreadCpu() {
  std::map<int, ThreadCpu> threads;
  const double tick = 1.0 / sysconf(_SC_CLK_TCK);
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return threads;
  while (const dirent* entry = readdir(tasks)) {
    const int tid = std::atoi(entry->d_name);
    if (tid <= 0) continue;
    std::ifstream file(std::string("/proc/self/task/") + entry->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    // "tid (name) state ..." where the name may hold spaces and parentheses: it ends at the last
    // ')'. utime and stime are the 12th and 13th fields after it.
    const size_t open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 1));
    std::string field;
    for (int i = 0; i < 11; ++i) fields >> field;
    unsigned long long utime = 0, stime = 0;
    if (!(fields >> utime >> stime)) continue;
    threads[tid] = {stat.substr(open + 1, close - open - 1), (utime + stime) * tick};
  }
  closedir(tasks);
  return threads;
}

// Seconds of CPU used between `before` and `after`, summed by thread name.
inline std::map<std::string, double> CpuByName(const std::map<int, ThreadCpu>& before,
                                               const std::map<int, ThreadCpu>& after) {
  std::map<std::string, double> used;
  for (const auto& [tid, thread] : after) {
    auto then = before.find(tid);
    used[thread.name] += thread.seconds - (then == before.end() ? 0 : then->second.seconds);
  }
  return used;
}

}  // namespace omni::bench
