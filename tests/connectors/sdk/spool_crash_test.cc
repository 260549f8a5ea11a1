// The spool across real crashes: a child process appending (and reading, as the reliable client
// does) is killed with SIGKILL, or dies inside an append with part of its frame on disk, or its
// appends fail on a full disk (a file size limit). Whatever it appended in full comes back,
// everything read but not acked included; a torn frame is cut, and a failed append leaves nothing
// behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "connectors/sdk/spool.h"
#include "connectors/sdk/spool_format.h"
#include "tests/support/test_support.h"

namespace omni::connectors {
namespace {

using omni::testing::TempDir;

// A child process running `body`, which reports to the parent through the pipe it is given.
struct Child {
  pid_t pid = -1;
  int from_child = -1;

  explicit Child(const std::function<void(int to_parent)>& body) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid = fork();
    if (pid == 0) {
      close(fds[0]);
      body(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    from_child = fds[0];
  }
  ~Child() {
    close(from_child);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  // The next number the child reported; -1 once it is gone.
  int64_t Next() {
    int64_t value;
    return read(from_child, &value, sizeof(value)) == sizeof(value) ? value : -1;
  }
  void KillNow() {
    kill(pid, SIGKILL);
    Wait();
  }
  // The child's end, as waitpid reports it.
  int Wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

void Report(int to_parent, int64_t value) { (void)!write(to_parent, &value, sizeof(value)); }

std::vector<std::string> ReadAll(Spool& spool) {
  std::vector<std::string> out;
  while (true) {
    auto record = spool.ReadNext();
    EXPECT_TRUE(record.ok()) << record.status();
    if (!record.ok() || !record->has_value()) return out;
    out.push_back((*record)->bytes);
  }
}

std::string Record(int64_t i) {
  return std::string(256 << 10, static_cast<char>('a' + i % 26)) + std::to_string(i);
}

// The child's work: appends Record(0), Record(1)… and reads every other one, as the reliable
// client sends from its spool (read, not acked), reporting each append done. With `die_inside`,
// the file size limit lets that append write only part of its frame, and the write after that
// part kills the child (SIGXFSZ): a crash inside an append, at a known place.
void AppendAndRead(const std::filesystem::path& path, int to_parent,
                   std::optional<int64_t> die_inside) {
  auto spool = Spool::Open(path);
  if (!spool.ok()) return;
  for (int64_t i = 0;; ++i) {
    if (die_inside == i) {
      const rlimit limit{(*spool)->file_bytes() + 1000, RLIM_INFINITY};
      setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (!(*spool)->Append(Record(i)).ok()) return;
    if (i % 2 == 0 && !(*spool)->ReadNext().ok()) return;
    Report(to_parent, i);
  }
}

// Reopens the spool after the crash: records 0 .. `count` - 1 come back in order, read or not,
// and nothing was damage; the spool takes appends after them.
void ExpectRecordsAfterRestart(const std::filesystem::path& path, size_t min_count,
                               size_t max_count) {
  auto spool = Spool::Open(path);
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_EQ((*spool)->damaged_records(), 0u);
  const std::vector<std::string> read = ReadAll(**spool);
  ASSERT_GE(read.size(), min_count);
  ASSERT_LE(read.size(), max_count);
  for (size_t i = 0; i < read.size(); ++i) ASSERT_EQ(read[i], Record(i)) << "record " << i;
  ASSERT_OK((*spool)->Append("after the restart"));
  EXPECT_EQ(ReadAll(**spool), std::vector<std::string>{"after the restart"});
}

TEST(SpoolCrashTest, KilledWhileAppendingEveryCompleteRecordComesBackReadOrNot) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  int64_t reported = -1;
  {
    Child child([&](int to_parent) { AppendAndRead(path, to_parent, std::nullopt); });
    while (reported < 40) {
      const int64_t i = child.Next();
      ASSERT_GE(i, 0) << "the child stopped appending";
      reported = i;
    }
    child.KillNow();
  }
  // Everything reported, and perhaps the one appended before its report came.
  ExpectRecordsAfterRestart(path, reported + 1, reported + 2);
}

TEST(SpoolCrashTest, DeadInsideAnAppendTheTornFrameIsCutAndTheRestComesBack) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  constexpr int64_t kDiesInside = 9;
  {
    Child child([&](int to_parent) { AppendAndRead(path, to_parent, kDiesInside); });
    for (int64_t i = 0; i < kDiesInside; ++i) ASSERT_EQ(child.Next(), i);
    EXPECT_EQ(child.Next(), -1);
    const int status = child.Wait();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ) << "status " << status;
  }
  const uint64_t complete = kDiesInside * (spool_format::kHeaderBytes + Record(0).size());
  ASSERT_EQ(std::filesystem::file_size(path), complete + 1000) << "part of a frame is on disk";
  ExpectRecordsAfterRestart(path, kDiesInside, kDiesInside);
  EXPECT_EQ(std::filesystem::file_size(path),
            complete + spool_format::kHeaderBytes + std::string_view("after the restart").size());
}

TEST(SpoolCrashTest, ACrashAfterAReadAndBeforeItsAckReplaysTheRecord) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  {
    Child child([&](int to_parent) {
      auto spool = Spool::Open(path);
      if (!spool.ok()) return;
      for (const char* r : {"acked", "read, not acked", "not read"}) {
        if (!(*spool)->Append(r).ok()) return;
      }
      auto acked = (*spool)->ReadNext();
      if (!acked.ok() || !acked->has_value() || !(*spool)->Ack((*acked)->position).ok()) return;
      if (!(*spool)->ReadNext().ok()) return;
      Report(to_parent, 1);
      pause();  // "sending": the kill comes before any ack
    });
    ASSERT_EQ(child.Next(), 1);
    child.KillNow();
  }
  auto spool = Spool::Open(path);
  ASSERT_TRUE(spool.ok()) << spool.status();
  EXPECT_EQ((*spool)->count(), 2u);
  EXPECT_EQ(ReadAll(**spool), (std::vector<std::string>{"read, not acked", "not read"}));
}

// In a child process (the file size limit and SIGXFSZ are the process's): 0 when all went right,
// else 1 with what went wrong on stderr.
int AppendOnAFullDisk(const std::filesystem::path& path) {
  signal(SIGXFSZ, SIG_IGN);  // EFBIG from write instead of the signal's default kill
  std::string problems;
  {
    auto spool = Spool::Open(path);
    if (!spool.ok()) return 2;
    if (!(*spool)->Append("before").ok()) problems += "first append failed; ";
    rlimit unlimited;
    getrlimit(RLIMIT_FSIZE, &unlimited);
    const auto size = std::filesystem::file_size(path);
    const rlimit full{size + 60, unlimited.rlim_max};
    setrlimit(RLIMIT_FSIZE, &full);
    const absl::Status failed = (*spool)->Append(std::string(1000, 'x'));
    if (failed.code() != absl::StatusCode::kResourceExhausted ||
        failed.message().find("File too large") == absl::string_view::npos) {
      problems += "the failed append said: " + failed.ToString() + "; ";
    }
    if (std::filesystem::file_size(path) != size) problems += "the partial write stayed; ";
    if (!(*spool)->Append("fits").ok()) problems += "a fitting append failed; ";
    setrlimit(RLIMIT_FSIZE, &unlimited);
    if (!(*spool)->Append("after").ok()) problems += "the append after failed; ";
  }
  auto spool = Spool::Open(path);
  if (!spool.ok()) return 3;
  if (ReadAll(**spool) != std::vector<std::string>{"before", "fits", "after"}) {
    problems += "wrong records after reopening; ";
  }
  if ((*spool)->damaged_records() != 0) problems += "damage found; ";
  std::cerr << problems;
  return problems.empty() ? 0 : 1;
}

// The disk fills up (a file size limit, RLIMIT_FSIZE, in a child): the append that does not fit
// fails, says so, and leaves nothing; the next ones that fit (and those after the limit is lifted)
// are kept and read back after a reopen.
TEST(SpoolCrashTest, AnAppendThatDoesNotFitIsCutBackAndReported) {
  TempDir dir;
  const auto path = dir.path() / "c.spool";
  EXPECT_EXIT(std::_Exit(AppendOnAFullDisk(path)), ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace omni::connectors
