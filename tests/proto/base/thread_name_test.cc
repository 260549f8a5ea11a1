#include "base/thread_name.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace omni {
namespace {

// The name the kernel holds for the calling thread.
std::string KernelName() {
  std::ifstream comm("/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(comm, name);
  return name;
}

TEST(ThreadNameTest, TheKernelShowsTheNameCutTo15Bytes) {
  std::string short_name, long_name;
  std::thread([&] {
    NameThisThread("core-p3");
    short_name = KernelName();
    NameThisThread("a-name-longer-than-fifteen");
    long_name = KernelName();
  }).join();
  EXPECT_EQ(short_name, "core-p3");
  EXPECT_EQ(long_name, "a-name-longer-t");
}

}  // namespace
}  // namespace omni
