// A multi-producer queue whose consumer is a thread blocked in zmq::poll: pushing writes an
// eventfd that the consumer polls beside its sockets. This is how other threads hand work to a
// thread that owns ZeroMQ sockets (sockets are not thread-safe).
#pragma once

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>

namespace omni {

template <typename T>
class WakeQueue {
 public:
  WakeQueue() : fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~WakeQueue() { close(fd_); }
  WakeQueue(const WakeQueue&) = delete;
  WakeQueue& operator=(const WakeQueue&) = delete;

  void Push(T item) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(item));
    }
    Wake();
  }

  // Wakes the consumer without an item (it re-checks whatever state it guards).
  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
  }

  // Takes everything queued so far; clears the wakeup.
  std::deque<T> TakeAll() {
    uint64_t count;
    [[maybe_unused]] ssize_t n = read(fd_, &count, sizeof count);
    std::lock_guard lock(mu_);
    return std::exchange(items_, {});
  }

  // Readable when items are waiting: poll it with zmq::pollitem_t{nullptr, fd(), ZMQ_POLLIN, 0}.
  int fd() const { return fd_; }

 private:
  const int fd_;
  std::mutex mu_;
  std::deque<T> items_;
};

}  // namespace omni
